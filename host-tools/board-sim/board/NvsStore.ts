import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { PrefValue } from "../platform/portable/HostPort.ts";

type Stored = string | number | boolean | { bytes: string };

/**
 * A board's non-volatile preferences (ESP-IDF NVS on the device), in memory or in a JSON file
 * that survives restarts of the simulator. Every change is written through, atomically.
 */
export class NvsStore {
  readonly #file: string | undefined;
  readonly #domains = new Map<string, Map<string, PrefValue>>();

  constructor(options: { file?: string } = {}) {
    this.#file = options.file;
    if (this.#file) this.#load(this.#file);
  }

  get(domain: string, key: string): PrefValue | undefined {
    return this.#domains.get(domain)?.get(key);
  }

  set(domain: string, key: string, value: PrefValue): void {
    const entries = this.#domains.get(domain) ?? new Map<string, PrefValue>();
    entries.set(key, typeof value === "object" ? { bytes: value.bytes.slice() } : value);
    this.#domains.set(domain, entries);
    this.#save();
  }

  delete(domain: string, key: string): void {
    this.#domains.get(domain)?.delete(key);
    this.#save();
  }

  keys(domain: string): string[] {
    return [...(this.#domains.get(domain)?.keys() ?? [])];
  }

  #load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    // A file an older simulator left readable to all is closed now, before anything else reads it.
    chmodSync(file, 0o600);
    let parsed: Record<string, Record<string, Stored>>;
    try {
      parsed = JSON.parse(text) as Record<string, Record<string, Stored>>;
    } catch (error) {
      throw new Error(`preference file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    for (const [domain, entries] of Object.entries(parsed)) {
      const map = new Map<string, PrefValue>();
      for (const [key, value] of Object.entries(entries)) {
        map.set(key, typeof value === "object" ? { bytes: new Uint8Array(Buffer.from(value.bytes, "base64")) } : value);
      }
      this.#domains.set(domain, map);
    }
  }

  #save(): void {
    if (!this.#file) return;
    const out: Record<string, Record<string, Stored>> = {};
    for (const [domain, entries] of this.#domains) {
      out[domain] = {};
      for (const [key, value] of entries) out[domain][key] = typeof value === "object" ? { bytes: Buffer.from(value.bytes).toString("base64") } : value;
    }
    // The board's private key, certificate and Wi-Fi password live here: for the owner only, as the key files are.
    writeFileSync(`${this.#file}.tmp`, JSON.stringify(out, null, 1), { mode: 0o600 });
    chmodSync(`${this.#file}.tmp`, 0o600);
    renameSync(`${this.#file}.tmp`, this.#file);
  }
}
