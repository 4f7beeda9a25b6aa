/**
 * What the status LED shows in each board state. Each state has its own rhythm as well as its
 * own colour, so a technician who cannot tell red from green, or a board with a single-colour
 * LED, still tells the states apart.
 */
export type LedState =
  | "booting"
  | "not-provisioned"
  | "joining-wifi"
  | "waiting-for-time"
  | "connecting"
  | "online"
  | "network-down"
  | "broker-unreachable"
  | "tls-rejected"
  | "not-authorised"
  | "buffer-nearly-full"
  | "sensor-fault"
  | "anomaly"
  | "firmware-update";

export type Colour = "white" | "blue" | "cyan" | "green" | "yellow" | "magenta" | "red";

export interface LedPattern {
  readonly colour: Colour;
  /** On and off times in ms, alternating, starting with on; repeats. One entry means steady on. */
  readonly rhythm: readonly number[];
  /** The rhythm in words, as the printed LED table says it. */
  readonly looks: string;
}

export const ledPatterns: Readonly<Record<LedState, LedPattern>> = {
  booting: { colour: "white", rhythm: [1000], looks: "steady" },
  "not-provisioned": { colour: "blue", rhythm: [1000, 1000], looks: "slow blink (1 s on, 1 s off)" },
  "joining-wifi": { colour: "blue", rhythm: [100, 100, 100, 700], looks: "two quick flashes, pause" },
  "waiting-for-time": { colour: "white", rhythm: [500, 500], looks: "even blink, once a second" },
  connecting: { colour: "cyan", rhythm: [100, 100], looks: "fast flicker (5 per second)" },
  online: { colour: "green", rhythm: [100, 2900], looks: "short flash every 3 s" },
  "network-down": { colour: "yellow", rhythm: [2000, 500], looks: "long on, short off (2 s on, ½ s off)" },
  "broker-unreachable": { colour: "yellow", rhythm: [200, 200, 200, 1400], looks: "two flashes, pause" },
  "tls-rejected": { colour: "red", rhythm: [200, 200, 200, 200, 200, 200, 200, 1400], looks: "four flashes, pause" },
  "not-authorised": { colour: "red", rhythm: [200, 200, 200, 200, 200, 1000], looks: "three flashes, pause" },
  "buffer-nearly-full": { colour: "yellow", rhythm: [1000, 300, 1000, 1700], looks: "two long flashes, pause" },
  "sensor-fault": { colour: "magenta", rhythm: [600, 200, 100, 1100], looks: "long and short flash, pause" },
  anomaly: { colour: "white", rhythm: [100, 200, 100, 200, 1000, 1400], looks: "two blips and a long flash, pause" },
  "firmware-update": { colour: "cyan", rhythm: [100, 100, 300, 100, 600, 800], looks: "three flashes, each longer than the last, pause" },
};

export const colourChannels: Readonly<Record<Colour, readonly [0 | 1, 0 | 1, 0 | 1]>> = {
  white: [1, 1, 1],
  blue: [0, 0, 1],
  cyan: [0, 1, 1],
  green: [0, 1, 0],
  yellow: [1, 1, 0],
  magenta: [1, 0, 1],
  red: [1, 0, 0],
};
