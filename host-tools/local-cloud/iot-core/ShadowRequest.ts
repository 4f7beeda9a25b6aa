import { isObject, MAX_NESTING, nesting, SECTIONS, type JsonObject, type Section } from "./ShadowDocument.ts";

/**
 * Reading the requests a client publishes to its shadow's topics, with the checks and error
 * texts of AWS IoT's Device Shadow service ("Device Shadow error messages" in its guide).
 */

/** A request the service refuses: `code` and `reason` go out on the operation's `/rejected` topic. */
export class ShadowRejected extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    /** The request's client token, when it had a valid one, so the rejection can echo it. */
    readonly clientToken?: string,
    where?: string,
  ) {
    super(where ? `${where}: ${reason} (${code})` : reason);
  }
}

export interface UpdateRequest {
  /** Each section as asked: an object to merge, null to remove the section, or left out. */
  readonly state: { readonly [section in Section]?: JsonObject | null };
  readonly clientToken?: string;
  readonly version?: number;
}

const MAX_CLIENT_TOKEN_BYTES = 64;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The payload as a JSON value; an empty payload (as get and delete may send) is an empty object. */
export function parsePayload(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new ShadowRejected(415, "Unsupported documented encoding; supported encoding is UTF-8");
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ShadowRejected(400, "Invalid JSON");
  }
}

/** The client token of a request body, checked; undefined when it has none. */
export function clientTokenOf(body: unknown): string | undefined {
  if (!isObject(body) || body.clientToken === undefined) return undefined;
  const token = body.clientToken;
  if (typeof token !== "string" || Buffer.byteLength(token) > MAX_CLIENT_TOKEN_BYTES) throw new ShadowRejected(400, "Invalid clientToken");
  return token;
}

/** An update request body, checked as AWS checks it; ShadowRejected says what is wrong. */
export function parseUpdate(body: unknown): UpdateRequest {
  const clientToken = clientTokenOf(body);
  const reject = (code: number, reason: string) => new ShadowRejected(code, reason, clientToken);
  if (!isObject(body) || !("state" in body)) throw reject(400, "Missing required node: state");
  let version: number | undefined;
  if (body.version !== undefined) {
    if (typeof body.version !== "number" || !Number.isSafeInteger(body.version) || body.version < 0) throw reject(400, "Invalid version");
    version = body.version;
  }
  // A null state clears both sections but keeps the shadow (and its version).
  const raw = body.state === null ? { desired: null, reported: null } : body.state;
  if (!isObject(raw)) throw reject(400, "State node must be an object");
  const state: { [section in Section]?: JsonObject | null } = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(SECTIONS as readonly string[]).includes(key)) throw reject(400, `State contains an invalid node: '${key}'`);
    const section = key as Section;
    if (value !== null && !isObject(value)) throw reject(400, `${section === "desired" ? "Desired" : "Reported"} node must be an object`);
    if (value !== null && nesting(value) > MAX_NESTING) throw reject(400, `JSON contains too many levels of nesting; maximum is ${MAX_NESTING}`);
    state[section] = value;
  }
  return { state, ...(clientToken !== undefined ? { clientToken } : {}), ...(version !== undefined ? { version } : {}) };
}
