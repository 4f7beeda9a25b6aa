/** Copies whatever buffer-like value an ECMA-419 write accepts into a fresh Uint8Array. */
export function toBytes(value: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer as ArrayBuffer, value.byteOffset, value.byteLength).slice();
  return new Uint8Array(value as ArrayBuffer).slice();
}

/** An ArrayBuffer holding exactly these bytes, as ECMA-419 reads return. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}
