import type { Channel } from "../../../firmware/telemetry/Channels.ts";

/** How the page names each channel: the lake's column names are for SQL, not for people. */
export const CHANNEL_LABELS: Readonly<Record<Channel, string>> = {
  temperature_c: "Temperature",
  humidity_pct: "Humidity",
  pm1_ugm3: "PM1",
  pm2_5_ugm3: "PM2.5",
  pm10_ugm3: "PM10",
  co_ppb: "CO",
  no2_ppb: "NO₂",
  so2_ppb: "SO₂",
  o3_ppb: "O₃",
};
