import type { IotCoreEvent, LocalIotCore } from "../iot-core/LocalIotCore.ts";

export interface SeenMessage {
  readonly thing: string;
  readonly topic: string;
  readonly json: Record<string, unknown> | undefined;
}

/** What the local IoT Core saw, for scenarios to wait on: messages by topic, and refusals. */
export class MqttWatch {
  readonly messages: SeenMessage[] = [];
  readonly refusals: Extract<IotCoreEvent, { kind: "refused" }>[] = [];
  #waiters: (() => void)[] = [];

  constructor(core: LocalIotCore) {
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

  get mark(): number {
    return this.messages.length;
  }

  /** Telemetry of `thing` from message `after` on. */
  telemetry(thing: string, after = 0): Record<string, unknown>[] {
    return this.messages.slice(after).flatMap((m) => (m.thing === thing && m.topic === `dt/aqm/${thing}/telemetry` && m.json ? [m.json] : []));
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
