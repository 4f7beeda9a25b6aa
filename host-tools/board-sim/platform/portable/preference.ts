import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { expectOk, type PrefValue } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/** ESP-IDF NVS limits that Moddable's `preference` enforces on the device. */
const MAX_NAME = 15;
const MAX_VALUE_BYTES = 4000;

function checkName(kind: string, name: string): void {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME) {
    throw new RangeError(`preference ${kind} "${name}" must be 1 to ${MAX_NAME} characters`);
  }
}

type Value = string | boolean | number | ArrayBuffer;

/** Moddable's `preference` module on the board's simulated non-volatile storage. */
const Preference = {
  set(domain: string, key: string, value: Value): void {
    checkName("domain", domain);
    checkName("key", key);
    let wire: PrefValue;
    if (value instanceof ArrayBuffer) {
      if (value.byteLength > MAX_VALUE_BYTES)
        throw new RangeError(`preference ${domain}.${key}: ${value.byteLength} bytes is over the ${MAX_VALUE_BYTES}-byte limit`);
      wire = { bytes: toBytes(value) };
    } else {
      if (typeof value === "string" && value.length > MAX_VALUE_BYTES)
        throw new RangeError(`preference ${domain}.${key}: string is over the ${MAX_VALUE_BYTES}-byte limit`);
      wire = value;
    }
    expectOk(hostPort().request({ op: "pref.set", domain, key, value: wire }), `preference ${domain}.${key} set`);
  },
  get(domain: string, key: string): Value | undefined {
    checkName("domain", domain);
    checkName("key", key);
    const value = expectOk(hostPort().request({ op: "pref.get", domain, key }), `preference ${domain}.${key} get`).value;
    if (value === null || value === undefined) return undefined;
    if (typeof value === "object") return toArrayBuffer(value.bytes);
    return value;
  },
  delete(domain: string, key: string): void {
    checkName("domain", domain);
    checkName("key", key);
    expectOk(hostPort().request({ op: "pref.delete", domain, key }), `preference ${domain}.${key} delete`);
  },
  keys(domain: string): string[] {
    checkName("domain", domain);
    return expectOk(hostPort().request({ op: "pref.keys", domain }), `preference ${domain} keys`).keys ?? [];
  },
};

export default Preference;
