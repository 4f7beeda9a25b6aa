/**
 * The state of a classic Device Shadow and the rules AWS IoT applies to it: how an update's
 * `desired` or `reported` section merges into the stored one, how per-field metadata follows, and
 * what the delta is. Pure functions over plain JSON; the service and its store build on them.
 */

export type JsonObject = { [key: string]: unknown };

export type Section = "desired" | "reported";
export const SECTIONS: readonly Section[] = ["desired", "reported"];

/** The stored sections; a section with nothing in it is left out, as AWS leaves it out. */
export interface ShadowState {
  readonly desired?: JsonObject;
  readonly reported?: JsonObject;
}

/** The same tree as the state, with `{ timestamp }` (epoch seconds) at each leaf and array. */
export interface ShadowMetadata {
  readonly desired?: JsonObject;
  readonly reported?: JsonObject;
}

/** What a get returns, and what `ShadowService.get` and `updateDesired` give host tools. */
export interface ShadowDocument {
  readonly state: ShadowState & { readonly delta?: JsonObject };
  readonly metadata: ShadowMetadata;
  readonly version: number;
  /** When the document was read, in epoch seconds. */
  readonly timestamp: number;
}

/** AWS counts only the desired and reported data against this, not the metadata. */
export const MAX_STATE_BYTES = 8 * 1024;
/** Levels of objects allowed inside a desired or reported section. */
export const MAX_NESTING = 6;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/**
 * `patch` over `current`: a null removes the field, an object merges into an object field, and
 * anything else (arrays included: AWS replaces an array whole) replaces the field. An object left
 * empty by removals is removed too (undefined), so deleting the last field of a section drops it.
 */
export function mergeSection(current: JsonObject | undefined, patch: JsonObject): JsonObject | undefined {
  const merged: JsonObject = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete merged[key];
    } else if (isObject(value) && isObject(merged[key])) {
      const inner = mergeSection(merged[key], value);
      if (inner === undefined) delete merged[key];
      else merged[key] = inner;
    } else {
      merged[key] = value;
    }
  }
  // Only removals empty an object that had fields; an empty object asked for is kept.
  return Object.keys(merged).length === 0 && Object.keys(current ?? {}).length > 0 ? undefined : merged;
}

/** Metadata for the fields an update names, each stamped `timestamp`; a null field gets a stamp too, as AWS reports its removal. */
export function requestMetadata(patch: JsonObject, timestamp: number): JsonObject {
  const metadata: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) metadata[key] = isObject(value) ? requestMetadata(value, timestamp) : { timestamp };
  return metadata;
}

/**
 * The stored metadata of a section after an update, trimmed to the fields the merged section
 * still has. `previous` is the section before the update: it tells a metadata branch (for an
 * object field) from a leaf's `{ timestamp }`.
 */
export function mergeMetadata(
  current: JsonObject | undefined,
  previous: JsonObject | undefined,
  patch: JsonObject,
  merged: JsonObject | undefined,
  timestamp: number,
): JsonObject | undefined {
  if (merged === undefined) return undefined;
  const metadata: JsonObject = {};
  for (const [key, value] of Object.entries(merged)) {
    const before = current?.[key];
    if (!(key in patch)) {
      if (before !== undefined) metadata[key] = before;
      continue;
    }
    const changed = patch[key];
    if (isObject(changed) && isObject(value)) {
      // A field that was a leaf and is now an object starts its metadata afresh.
      const wasObject = isObject(previous?.[key]) && isObject(before);
      metadata[key] =
        mergeMetadata(wasObject ? (before as JsonObject) : undefined, wasObject ? (previous?.[key] as JsonObject) : undefined, changed, value, timestamp) ?? {};
    } else {
      metadata[key] = { timestamp };
    }
  }
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

/**
 * The desired fields whose value differs from the reported one (AWS's delta): a field missing
 * from reported counts as different, objects are compared field by field, and any other value
 * (arrays included) must be equal as a whole. Undefined when there is no difference.
 */
export function delta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (desired === undefined) return undefined;
  const differing: JsonObject = {};
  for (const [key, wanted] of Object.entries(desired)) {
    const actual = reported?.[key];
    if (isObject(wanted) && isObject(actual)) {
      const inner = delta(wanted, actual);
      if (inner !== undefined) differing[key] = inner;
    } else if (!deepEqual(wanted, actual)) {
      differing[key] = wanted;
    }
  }
  return Object.keys(differing).length > 0 ? differing : undefined;
}

/**
 * Whether an update's section names a field that is in the delta (a null section names them
 * all). AWS sends `/update/delta` only for an update that does: a board reporting its other
 * fields is not sent the same delta again and again.
 */
export function touches(patch: JsonObject | null | undefined, differing: JsonObject): boolean {
  if (patch === undefined) return false;
  if (patch === null) return true;
  return Object.entries(patch).some(([key, value]) => {
    if (!(key in differing)) return false;
    const inner = differing[key];
    return isObject(value) && isObject(inner) ? touches(value, inner) : true;
  });
}

/** The desired metadata of just the fields in `delta`, which a delta message carries. */
export function deltaMetadata(desiredMetadata: JsonObject | undefined, differing: JsonObject): JsonObject {
  const picked: JsonObject = {};
  for (const [key, value] of Object.entries(differing)) {
    const metadata = desiredMetadata?.[key];
    if (metadata === undefined) continue;
    // A field is in the delta as an object only when it is an object in desired, whose metadata is then a branch.
    picked[key] = isObject(value) && isObject(metadata) ? deltaMetadata(metadata, value) : metadata;
  }
  return picked;
}

/** How deep objects nest in `value`, the value itself counting as one level when it is an object: `{"a": {"b": 1}}` is two. */
export function nesting(value: unknown): number {
  if (Array.isArray(value)) return Math.max(0, ...value.map(nesting));
  if (!isObject(value)) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(nesting));
}

/** The bytes of desired and reported data, as AWS counts them against the 8 KB limit. */
export function stateBytes(state: ShadowState): number {
  return Buffer.byteLength(JSON.stringify({ desired: state.desired, reported: state.reported }));
}
