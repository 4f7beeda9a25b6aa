import path from "node:path";
import { shadowTopicPrefix } from "../../../firmware/session/MqttTopics.ts";
import {
  delta,
  deltaMetadata,
  mergeMetadata,
  mergeSection,
  MAX_STATE_BYTES,
  requestMetadata,
  SECTIONS,
  stateBytes,
  touches,
  type JsonObject,
  type ShadowDocument,
  type ShadowMetadata,
  type ShadowState,
} from "./ShadowDocument.ts";
import { clientTokenOf, parsePayload, parseUpdate, ShadowRejected, type UpdateRequest } from "./ShadowRequest.ts";
import { ShadowStore, type ShadowRecord } from "./ShadowStore.ts";
import { checkThingName } from "../../../firmware/session/ThingName.ts";

export { ShadowRejected } from "./ShadowRequest.ts";
export type { ShadowDocument } from "./ShadowDocument.ts";

export interface ShadowServiceOptions {
  /** The local IoT Core's state folder; shadows live in its `shadows/` folder. */
  readonly stateDir: string;
  /** Sends a message as the IoT Core itself; the broker delivers it to whoever may receive it. */
  readonly publish: (topic: string, payload: string) => void;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

type Operation = "update" | "get" | "delete";

/** Only the classic (unnamed) shadow's request topics; responses and named shadows are not ours. */
const REQUEST_TOPIC = /^\$aws\/things\/([^/]+)\/shadow\/(update|get|delete)$/;

/** AWS carries a deleted shadow's version on to a new one made within 48 hours of the delete. */
const DELETED_VERSION_KEPT_S = 48 * 60 * 60;

/**
 * A local stand-in for AWS IoT's Device Shadow service, classic shadows only: it takes the
 * requests a thing publishes to `$aws/things/<thing>/shadow/{update,get,delete}`, keeps each
 * document as AWS does (merged sections, per-field metadata, a version bumped by every update,
 * optimistic locking, the 8 KB limit), answers on the `/accepted` and `/rejected` topics, and
 * publishes `/update/documents` and, for an update that touches a field where desired and
 * reported differ, `/update/delta`. Each document is kept under `<stateDir>/shadows/`, so the
 * shadows outlive the process.
 * It knows no transport: whoever runs the broker hands it messages and sends what it publishes.
 */
export class ShadowService {
  readonly #publish: (topic: string, payload: string) => void;
  readonly #now: () => number;
  readonly #store: ShadowStore;
  readonly #records: Map<string, ShadowRecord>;

  /** Loads every stored shadow; a damaged file stops it with the file's name and what is wrong. */
  constructor(options: ShadowServiceOptions) {
    this.#publish = options.publish;
    this.#now = options.now;
    this.#store = new ShadowStore(path.join(options.stateDir, "shadows"));
    this.#records = this.#store.loadAll();
  }

  /**
   * Handles a message `thing` (the connection's authenticated thing) published; false when the
   * topic is not a shadow request topic. The IoT policy keeps a thing to its own shadow; a request
   * for another thing's shadow arriving here means that check was bypassed, and throws.
   */
  message(thing: string, topic: string, payload: Uint8Array): boolean {
    const match = REQUEST_TOPIC.exec(topic);
    if (!match) return false;
    const [, target, operation] = match as unknown as [string, string, Operation];
    if (target !== thing)
      throw new Error(
        `thing "${thing}" published to ${topic}, the shadow of "${target}"; a thing may use only its own shadow (the IoT policy should have refused this)`,
      );
    checkThingName(thing);
    let clientToken: string | undefined;
    try {
      const body = parsePayload(payload);
      clientToken = clientTokenOf(body);
      if (operation === "update") this.#update(thing, parseUpdate(body));
      else if (operation === "get") this.#answerGet(thing, clientToken);
      else this.#delete(thing, clientToken);
    } catch (error) {
      if (!(error instanceof ShadowRejected)) throw error;
      const token = error.clientToken ?? clientToken;
      this.#send(thing, `${operation}/rejected`, {
        code: error.code,
        message: error.reason,
        timestamp: this.#seconds(),
        ...(token !== undefined ? { clientToken: token } : {}),
      });
    }
    return true;
  }

  /**
   * Sets desired fields as the cloud side does (`aqm train`, an operator): the same as an update
   * with `state.desired`, so null removes a field and the board is sent the delta. Throws
   * ShadowRejected as the service would reject it (e.g. 413 past 8 KB).
   */
  updateDesired(thing: string, desired: Record<string, unknown>): ShadowDocument {
    checkThingName(thing);
    try {
      // Through JSON, as over the wire: an undefined field is left out, a Date becomes its string.
      this.#update(thing, parseUpdate(JSON.parse(JSON.stringify({ state: { desired } }))));
    } catch (error) {
      if (error instanceof ShadowRejected) throw new ShadowRejected(error.code, error.reason, undefined, `cannot set the desired state of "${thing}"`);
      throw error;
    }
    return this.get(thing)!;
  }

  /** The document as a get answers it, with its delta; undefined when the thing has no shadow. */
  get(thing: string): ShadowDocument | undefined {
    checkThingName(thing);
    const record = this.#records.get(thing);
    if (record?.kind !== "live") return undefined;
    const differing = delta(record.state.desired, record.state.reported);
    // A copy, so a caller changing it cannot change the stored document behind the service's back.
    return structuredClone({
      state: { ...record.state, ...(differing ? { delta: differing } : {}) },
      metadata: record.metadata,
      version: record.version,
      timestamp: this.#seconds(),
    });
  }

  #update(thing: string, request: UpdateRequest): void {
    const timestamp = this.#seconds();
    const record = this.#records.get(thing);
    const live = record?.kind === "live" ? record : undefined;
    const version = this.#currentVersion(record, timestamp);
    const reject = (code: number, reason: string) => new ShadowRejected(code, reason, request.clientToken);
    if (request.version !== undefined && request.version !== version) throw reject(409, "Version conflict");

    const state: { -readonly [section in keyof ShadowState]: JsonObject } = {};
    const metadata: { -readonly [section in keyof ShadowMetadata]: JsonObject } = {};
    const accepted: { -readonly [section in keyof ShadowMetadata]: JsonObject } = {};
    for (const section of SECTIONS) {
      const before = live?.state[section];
      const patch = request.state[section];
      let merged = before;
      let stamped = live?.metadata[section];
      if (patch === null) {
        merged = undefined;
        stamped = undefined;
      } else if (patch !== undefined) {
        merged = mergeSection(before, patch);
        stamped = mergeMetadata(stamped, before, patch, merged, timestamp);
        accepted[section] = requestMetadata(patch, timestamp);
      }
      // A section with nothing in it is no section, as in AWS's documents.
      if (merged !== undefined && Object.keys(merged).length > 0) state[section] = merged;
      if (stamped !== undefined) metadata[section] = stamped;
    }
    if (stateBytes(state) > MAX_STATE_BYTES) throw reject(413, "The payload exceeds the maximum size allowed");

    const next = { kind: "live", state, metadata, version: version + 1 } as const;
    this.#store.save(thing, next);
    this.#records.set(thing, next);

    const token = request.clientToken !== undefined ? { clientToken: request.clientToken } : {};
    this.#send(thing, "update/accepted", { state: request.state, metadata: accepted, version: next.version, timestamp, ...token });
    this.#send(thing, "update/documents", {
      previous: live ? { state: live.state, metadata: live.metadata, version: live.version } : null,
      current: { state, metadata, version: next.version },
      timestamp,
      ...token,
    });
    const differing = delta(state.desired, state.reported);
    if (differing && SECTIONS.some((section) => touches(request.state[section], differing)))
      this.#send(thing, "update/delta", { version: next.version, timestamp, state: differing, metadata: deltaMetadata(metadata.desired, differing), ...token });
  }

  #answerGet(thing: string, clientToken: string | undefined): void {
    const document = this.get(thing);
    if (!document) throw new ShadowRejected(404, `No shadow exists with name: '${thing}'`);
    this.#send(thing, "get/accepted", { ...document, ...(clientToken !== undefined ? { clientToken } : {}) });
  }

  #delete(thing: string, clientToken: string | undefined): void {
    const record = this.#records.get(thing);
    if (record?.kind !== "live") throw new ShadowRejected(404, `No shadow exists with name: '${thing}'`);
    const timestamp = this.#seconds();
    const deleted = { kind: "deleted", version: record.version, deletedAt: timestamp } as const;
    this.#store.save(thing, deleted);
    this.#records.set(thing, deleted);
    this.#send(thing, "delete/accepted", { version: record.version, timestamp, ...(clientToken !== undefined ? { clientToken } : {}) });
  }

  /** The version an update must name, and the one the next document follows. */
  #currentVersion(record: ShadowRecord | undefined, now: number): number {
    if (record === undefined) return 0;
    if (record.kind === "live") return record.version;
    return now - record.deletedAt <= DELETED_VERSION_KEPT_S ? record.version : 0;
  }

  #send(thing: string, suffix: string, body: object): void {
    this.#publish(`${shadowTopicPrefix(thing)}/${suffix}`, JSON.stringify(body));
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }
}
