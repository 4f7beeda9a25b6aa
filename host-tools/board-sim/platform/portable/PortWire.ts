import type { PortReply, PortRequest } from "./HostPort.ts";

/**
 * Port requests and replies as text, for the bridge between the XS engine and Node: JSON, with
 * byte arrays written as `{"$hex": "..."}` because JSON has no bytes. Both ends use this file.
 */
const HEX = "0123456789abcdef";

function toHex(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return text;
}

function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) throw new Error(`port wire: malformed hex bytes "${text.slice(0, 16)}"`);
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { $hex: toHex(value) } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && typeof (value as { $hex?: unknown }).$hex === "string") return fromHex((value as { $hex: string }).$hex);
  return value;
}

export function encodeRequest(request: PortRequest): string {
  return JSON.stringify(request, replacer);
}

export function decodeRequest(text: string): PortRequest {
  return JSON.parse(text, reviver) as PortRequest;
}

export function encodeReply(reply: PortReply): string {
  return JSON.stringify(reply, replacer);
}

export function decodeReply(text: string): PortReply {
  return JSON.parse(text, reviver) as PortReply;
}
