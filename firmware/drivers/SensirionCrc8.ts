/**
 * The CRC-8 Sensirion sensors append to every 16-bit word they send: polynomial 0x31
 * (x⁸ + x⁵ + x⁴ + 1), initial value 0xFF, no reflection, no final XOR. The datasheets give the
 * check value CRC(0xBE, 0xEF) = 0x92.
 *
 * Takes a range rather than a slice so a driver can check each word of its receive buffer in place.
 */
export function sensirionCrc8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}
