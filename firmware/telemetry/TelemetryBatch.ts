/**
 * Several queued readings sent as one MQTT message, `{"batch":[reading,reading,…]}`: IoT Core
 * bills in 5 KB units, so a backlog replayed after an outage costs one unit per dozen readings
 * instead of one per reading. The readings are copied byte for byte; the topic rule adds its
 * fields to the envelope once and the lake's transformation takes the batch apart again.
 */

const OPEN = [0x7b, 0x22, 0x62, 0x61, 0x74, 0x63, 0x68, 0x22, 0x3a, 0x5b]; // {"batch":[
const CLOSE = [0x5d, 0x7d]; // ]}
const COMMA = 0x2c;

/** The bytes a batch of `count` readings adds to the readings themselves. */
export function batchOverhead(count: number): number {
  return OPEN.length + CLOSE.length + Math.max(0, count - 1);
}

/** The envelope around readings that are each one JSON value (as the board encodes them). */
export function encodeBatch(readings: readonly ArrayBuffer[]): ArrayBuffer {
  let length = batchOverhead(readings.length);
  for (const reading of readings) length += reading.byteLength;
  const out = new Uint8Array(length);
  out.set(OPEN, 0);
  let offset = OPEN.length;
  readings.forEach((reading, i) => {
    if (i > 0) out[offset++] = COMMA;
    out.set(new Uint8Array(reading), offset);
    offset += reading.byteLength;
  });
  out.set(CLOSE, offset);
  return out.buffer;
}

/** The readings in a decoded telemetry message: the elements of a batch, or the message itself. */
export function readingsOf(message: unknown): unknown[] {
  if (typeof message === "object" && message !== null && !Array.isArray(message)) {
    const batch = (message as { batch?: unknown }).batch;
    if (Array.isArray(batch)) return batch;
  }
  return [message];
}
