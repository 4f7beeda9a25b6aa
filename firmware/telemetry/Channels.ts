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
}

export const CHANNELS: readonly ChannelInfo[] = Object.freeze([
  { name: "temperature_c", unit: "°C", decimals: 2, logKey: "t" },
  { name: "humidity_pct", unit: "%RH", decimals: 2, logKey: "rh" },
  { name: "pm1_ugm3", unit: "µg/m³", decimals: 1, logKey: "pm1" },
  { name: "pm2_5_ugm3", unit: "µg/m³", decimals: 1, logKey: "pm2_5" },
  { name: "pm10_ugm3", unit: "µg/m³", decimals: 1, logKey: "pm10" },
  { name: "co_ppb", unit: "ppb", decimals: 1, logKey: "co" },
  { name: "no2_ppb", unit: "ppb", decimals: 1, logKey: "no2" },
  { name: "so2_ppb", unit: "ppb", decimals: 1, logKey: "so2" },
  { name: "o3_ppb", unit: "ppb", decimals: 1, logKey: "o3" },
] as const);

/** One read of one channel: a value, a part still warming up, a fault with its code, or nothing (the part is asleep by design). */
export type ChannelRead =
  | { readonly value: number }
  | { readonly warming: true }
  | { readonly fault: string; readonly reason: string }
  | { readonly idle: true };
