import { B4_RANGE_PPB, NEGATIVE_TOLERANCE_PPB } from "../gas/AlphasenseB4";

/**
 * The quantities a board reports, each named with its unit so a column in the lake says what it
 * holds. The order here is the order on the wire and in the serial log.
 */
export type Channel = "temperature_c" | "humidity_pct" | "pm1_ugm3" | "pm2_5_ugm3" | "pm10_ugm3" | "co_ppb" | "no2_ppb" | "so2_ppb" | "o3_ppb";

export interface ChannelInfo {
  readonly name: Channel;
  readonly unit: string;
  /** Decimals kept on the wire: finer than the part resolves would only be noise. */
  readonly decimals: number;
  /** Short name in the serial log's SM300 line. */
  readonly logKey: string;
  /**
   * The values the channel can take, inclusive: what its part can measure. The board reports a read
   * outside it as `fault:range`; the lake's transformation quarantines a reading with a value
   * outside it (docs/telemetry-schema.md, "Ranges"). This table is the one home of these ranges.
   */
  readonly min: number;
  readonly max: number;
}

export const CHANNELS: readonly ChannelInfo[] = Object.freeze([
  // SHT4x: −40 … 125 °C and 0 … 100 %RH (its datasheet's operating range).
  { name: "temperature_c", unit: "°C", decimals: 2, logKey: "t", min: -40, max: 125 },
  { name: "humidity_pct", unit: "%RH", decimals: 2, logKey: "rh", min: 0, max: 100 },
  // PMS5003: 0 … 500 µg/m³ effective, 1000 µg/m³ maximum (its datasheet's "maximum range").
  { name: "pm1_ugm3", unit: "µg/m³", decimals: 1, logKey: "pm1", min: 0, max: 1000 },
  { name: "pm2_5_ugm3", unit: "µg/m³", decimals: 1, logKey: "pm2_5", min: 0, max: 1000 },
  { name: "pm10_ugm3", unit: "µg/m³", decimals: 1, logKey: "pm10", min: 0, max: 1000 },
  { name: "co_ppb", unit: "ppb", decimals: 1, logKey: "co", min: -NEGATIVE_TOLERANCE_PPB, max: B4_RANGE_PPB["CO-B4"] },
  { name: "no2_ppb", unit: "ppb", decimals: 1, logKey: "no2", min: -NEGATIVE_TOLERANCE_PPB, max: B4_RANGE_PPB["NO2-B43F"] },
  { name: "so2_ppb", unit: "ppb", decimals: 1, logKey: "so2", min: -NEGATIVE_TOLERANCE_PPB, max: B4_RANGE_PPB["SO2-B4"] },
  { name: "o3_ppb", unit: "ppb", decimals: 1, logKey: "o3", min: -NEGATIVE_TOLERANCE_PPB, max: B4_RANGE_PPB["OX-B431"] },
] as const);

/** One read of one channel: a value, a part still warming up, a fault with its code, or nothing (the part is asleep by design). */
export type ChannelRead =
  | { readonly value: number }
  | { readonly warming: true }
  | { readonly fault: string; readonly reason: string }
  | { readonly idle: true };

/** A read as the board keeps it: a value outside its channel's range is a `range` fault, not a value. */
export function rangedRead(channel: ChannelInfo, read: ChannelRead): ChannelRead {
  if (!("value" in read) || (read.value >= channel.min && read.value <= channel.max)) return read;
  return { fault: "range", reason: `${channel.name} ${read.value} out of range ${channel.min}…${channel.max} ${channel.unit}` };
}
