import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { checkThingName, THING_NAME } from "../../../firmware/session/ThingName.ts";
import { isObject, SECTIONS, type JsonObject, type ShadowMetadata, type ShadowState } from "./ShadowDocument.ts";

/**
 * Each thing's shadow as one JSON file, `<dir>/<thing>.json`, written whole to a hidden file
 * beside it and renamed over it, so a crash never leaves half a document. The files are written
 * synchronously: the service answers a request only once its outcome is on disk, and its
 * interface (a message in, publishes out) has no place to wait.
 */

export type ShadowRecord =
  | { readonly kind: "live"; readonly state: ShadowState; readonly metadata: ShadowMetadata; readonly version: number }
  /** Kept after a delete because a shadow created again soon after carries on from its version. */
  | { readonly kind: "deleted"; readonly version: number; readonly deletedAt: number };

function isVersion(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The sections of a stored state or metadata object; a description of what is wrong otherwise. */
function sectionsOf(value: unknown, name: string): { [section: string]: JsonObject } | string {
  if (!isObject(value)) return `"${name}" is not an object`;
  for (const [key, section] of Object.entries(value)) {
    if (!(SECTIONS as readonly string[]).includes(key)) return `"${name}" has "${key}"; only "desired" and "reported" belong there`;
    if (!isObject(section)) return `"${name}.${key}" is not an object`;
  }
  return value as { [section: string]: JsonObject };
}

function recordFrom(value: unknown): ShadowRecord | string {
  if (!isObject(value)) return "it is not a JSON object";
  if (!isVersion(value.version)) return `"version" is ${JSON.stringify(value.version)}, not a whole number`;
  if ("deletedAt" in value) {
    if (!isVersion(value.deletedAt)) return `"deletedAt" is ${JSON.stringify(value.deletedAt)}, not epoch seconds`;
    return { kind: "deleted", version: value.version, deletedAt: value.deletedAt };
  }
  const state = sectionsOf(value.state, "state");
  if (typeof state === "string") return state;
  const metadata = sectionsOf(value.metadata, "metadata");
  if (typeof metadata === "string") return metadata;
  return { kind: "live", state, metadata, version: value.version };
}

export class ShadowStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Every stored shadow by thing; a file that is not one stops the load with its name and what is wrong. */
  loadAll(): Map<string, ShadowRecord> {
    const records = new Map<string, ShadowRecord>();
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return records;
      throw error;
    }
    for (const name of names) {
      // Hidden files are writes a crash interrupted; the document they were replacing still stands.
      if (!name.endsWith(".json") || name.startsWith(".")) continue;
      const file = path.join(this.#dir, name);
      const thing = name.slice(0, -".json".length);
      if (!THING_NAME.test(thing)) throw new Error(`shadow file ${file}: "${thing}" is not a thing name, so this file is no shadow of this service's`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, "utf8"));
      } catch (error) {
        throw new Error(`shadow file ${file} is not valid JSON (${(error as Error).message}); repair or remove it`);
      }
      const record = recordFrom(parsed);
      if (typeof record === "string") throw new Error(`shadow file ${file} is not a shadow document: ${record}; repair or remove it`);
      records.set(thing, record);
    }
    return records;
  }

  save(thing: string, record: ShadowRecord): void {
    checkThingName(thing);
    const file = path.join(this.#dir, `${thing}.json`);
    const staging = path.join(this.#dir, `.${thing}.json.tmp`);
    const body =
      record.kind === "live"
        ? { state: record.state, metadata: record.metadata, version: record.version }
        : { version: record.version, deletedAt: record.deletedAt };
    mkdirSync(this.#dir, { recursive: true });
    writeFileSync(staging, JSON.stringify(body, null, 2) + "\n");
    renameSync(staging, file);
  }
}
