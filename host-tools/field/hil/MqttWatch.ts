import type { IotCoreEvent, LocalIotCore } from "../../local-cloud/iot-core/LocalIotCore.ts";
import { telemetryTopic } from "../../../firmware/session/MqttTopics.ts";
import { readingsOf } from "../../../firmware/telemetry/TelemetryBatch.ts";

export interface SeenMessage {
  readonly thing: string;
  readonly topic: string;
  readonly json: Record<string, unknown> | undefined;
}

/** What the local IoT Core saw, for scenarios to wait on: messages by topic, and refusals. */
export class MqttWatch {
  readonly messages: SeenMessage[] = [];
  readonly refusals: Extract<IotCoreEvent, { kind: "refused" }>[] = [];
  readonly #core: LocalIotCore;
  #waiters: (() => void)[] = [];

  constructor(core: LocalIotCore) {
    this.#core = core;
    core.onEvent((event) => {
      if (event.kind === "message") {
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(new TextDecoder().decode(event.payload)) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        this.messages.push({ thing: event.thing, topic: event.topic, json });
      } else if (event.kind === "refused") this.refusals.push(event);
      else return;
      for (const wake of this.#waiters) wake();
    });
  }

  /** The thing's Device Shadow at the local IoT Core: `state.reported`, `state.desired`, `state.delta`. */
  shadow(
    thing: string,
  ): { state: { reported?: Record<string, unknown>; desired?: Record<string, unknown>; delta?: Record<string, unknown> }; version: number } | undefined {
    return this.#shadows().get(thing);
  }

  /** Sets desired state in the thing's shadow, as the cloud does. */
  setDesired(thing: string, desired: Record<string, unknown>): void {
    this.#shadows().updateDesired(thing, desired);
  }

  #shadows(): NonNullable<LocalIotCore["shadows"]> {
    if (!this.#core.shadows) throw new Error("this local IoT Core runs without a Device Shadow service");
    return this.#core.shadows;
  }

  get mark(): number {
    return this.messages.length;
  }

  /** Telemetry readings of `thing` from message `after` on, a batch giving each of its readings. */
  telemetry(thing: string, after = 0): Record<string, unknown>[] {
    return this.messages
      .slice(after)
      .flatMap((m) => (m.thing === thing && m.topic === telemetryTopic(thing) && m.json ? (readingsOf(m.json) as Record<string, unknown>[]) : []));
  }

  /** Resolves once `ready()` holds, checked at every message or refusal. */
  until(ready: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: not seen at the IoT Core within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== check);
      };
      this.#waiters.push(check);
    });
  }
}
