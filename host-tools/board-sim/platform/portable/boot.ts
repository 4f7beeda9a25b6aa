import { readHostConfig } from "./HostConfig.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";
import { boardClock } from "./VirtualClock.ts";
import { utf8Decode, utf8Encode } from "./Utf8.ts";

/**
 * Runs first in a host bundle: gives the simulated board what XS on the device has natively
 * (`trace` to the serial console, `ArrayBuffer.fromString`, `String.fromArrayBuffer`) and a
 * `Date.now()` that follows board time. Under XS the native string helpers are kept.
 */
const scope = globalThis as unknown as {
  trace?: (text: string) => void;
};
scope.trace = (text: string) => {
  expectOk(hostPort().request({ op: "console", text: String(text) }), "console");
};

const arrayBufferStatics = ArrayBuffer as unknown as { fromString?: (text: string) => ArrayBuffer };
if (typeof arrayBufferStatics.fromString !== "function") {
  arrayBufferStatics.fromString = (text: string) => utf8Encode(text).buffer as ArrayBuffer;
}
const stringStatics = String as unknown as { fromArrayBuffer?: (buffer: ArrayBuffer) => string };
if (typeof stringStatics.fromArrayBuffer !== "function") {
  stringStatics.fromArrayBuffer = (buffer: ArrayBuffer) => utf8Decode(new Uint8Array(buffer));
}

boardClock.setWallBase(readHostConfig().epochAtBoot);
Date.now = () => boardClock.wallNow();
