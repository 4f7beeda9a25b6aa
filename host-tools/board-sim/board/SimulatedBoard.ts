import type { MqttConnector } from "../platform/MqttConnector.ts";
import { resolveManifest, SIMULATED_BOARD_MANIFEST } from "../platform/BoardManifest.ts";
import type { CalibrationRecord } from "../../../firmware/gas/GasCalibration";
import { Ads1115Model } from "../models/Ads1115Model.ts";
import { AlphasenseB4Model, SIMULATED_CALIBRATION } from "../models/AlphasenseB4Model.ts";
import { Pms5003Model } from "../models/Pms5003Model.ts";
import { Sht4xModel } from "../models/Sht4xModel.ts";
import { FlashPartition } from "./FlashPartition.ts";
import { partitionNamed } from "./PartitionTable.ts";
import { SimOtaPartition } from "./SimOtaPartition.ts";
import { NvsStore } from "./NvsStore.ts";
import type { AirSample } from "../scenarios/SyntheticAir.ts";
import { BoardHardware } from "./BoardHardware.ts";
import { SimNetwork } from "../network/SimNetwork.ts";
import { UartLink } from "./UartLink.ts";
import { CONSOLE_BAUD, ConsoleUart } from "./ConsoleUart.ts";
import { OTA_APP_PARTITION_BYTES } from "../../../firmware/update/OtaSlot.ts";
import type { BoardTraceLimits } from "./TraceRing.ts";
import { OUTBOX_PARTITION } from "../../../firmware/session/OutboxPartition.ts";

/** A board's identity as the firmware stores it: DER CA certificate, DER client certificate, PKCS#8 DER key. */
export interface StoredIdentity {
  readonly ca: Uint8Array;
  readonly certificate: Uint8Array;
  readonly key: Uint8Array;
}

export interface SimulatedBoardOptions {
  readonly thing: string;
  readonly epochAtBoot: number;
  /** Settings that override the ESP32 DevKitC manifest's config, as `mcconfig key=value` would. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Installed in the board's preferences before boot, as `aqm provision` does over the console. */
  readonly identity?: StoredIdentity;
  /**
   * The gas sensors' calibration record: the simulated cells answer with these zeros and
   * sensitivities, and it is stored in the board's preferences as `aqm calibration install` does.
   * `null` stores none (the cells still use the simulated sheet). Default: SIMULATED_CALIBRATION.
   */
  readonly calibration?: CalibrationRecord | null;
  /** Seeds the sensors' noise, so two boards in one room still differ; default from the thing name. */
  readonly noiseSeed?: number;
  /**
   * Wi-Fi credentials stored in the board's preferences before boot, as the serial console does;
   * the simulated access point accepts these. `null` stores none. Default: the lab network.
   */
  readonly wifi?: { readonly ssid: string; readonly password: string } | null;
  /** The board's clock is right at power-on (a board with a battery-backed clock); default false: it starts at 0 and waits for SNTP, as an ESP32 does. */
  readonly clockSetAtBoot?: boolean;
  readonly preferences?: NvsStore;
  /** Where the board's flash partition for unsent readings lives between runs; in memory when left out. */
  readonly outboxFlashFile?: string;
  /** The same partition again, for a restart of the same board in one process. */
  readonly outboxFlash?: FlashPartition;
  readonly mqtt?: MqttConnector;
  /** The air the sensors measure, by wall time. */
  readonly air: (epochMs: number) => AirSample;
  readonly onConsole?: (text: string) => void;
  /** How much of each recorded trace the board keeps in memory (I2C, UARTs, pins, console lines); TEST_TRACES unless given. */
  readonly traces?: BoardTraceLimits;
}

export interface SimulatedBoard {
  readonly sim: BoardHardware;
  /** The `aqmlog` partition of manifests/partitions.csv, where the firmware keeps unsent readings. */
  readonly outboxFlash: FlashPartition;
  readonly climate: Sht4xModel;
  readonly particulates: Pms5003Model;
  /** The gas front end's two ADCs, at 0x48 (CO, NO2) and 0x49 (SO2, OX). */
  readonly gasAdcs: readonly [Ads1115Model, Ads1115Model];
  readonly gasCells: { readonly co: AlphasenseB4Model; readonly no2: AlphasenseB4Model; readonly so2: AlphasenseB4Model; readonly ox: AlphasenseB4Model };
  /** The air the sensors were last given, noise included. */
  readonly air: () => AirSample;
  /** The access point and time servers around the board. */
  readonly network: SimNetwork;
  /** The host's end of UART 0: the serial log comes out of it, console commands go into it. */
  readonly consoleUart: ConsoleUart;
  /** The app partition a firmware update over the console is written to. */
  readonly ota: SimOtaPartition;
}

/** The partition the firmware keeps unsent readings in, as large as the board's partition table makes it; in `file` when given, so it outlives the process. */
export function outboxFlashPartition(file?: string): FlashPartition {
  // Read once: a twin of a thousand boards would otherwise parse the table a thousand times at start-up.
  outboxPartitionBytes ??= partitionNamed(OUTBOX_PARTITION).size;
  return new FlashPartition({ name: OUTBOX_PARTITION, size: outboxPartitionBytes, ...(file ? { file } : {}) });
}

let outboxPartitionBytes: number | undefined;

/** The simulated lab's access point. */
export const LAB_WIFI = Object.freeze({ ssid: "aqm-lab", password: "sim-lab-passphrase" });

/**
 * Noise a live part shows between two reads (SHT4x repeatability at high precision; about one
 * µg/m³ on a PMS5003; a few ADS1115 counts on the gas front end). Without it a steady simulated
 * room would look like a frozen sensor to the firmware's stuck detection.
 */
const NOISE = { temperature: 0.02, humidity: 0.06, pm: 0.8, electrodeMv: 0.4 } as const;

/**
 * Noise in −1…1 as a pure function of (seed, board time, stream): the same board time gives the
 * same noise however often the host ticks, so the XS and Node runs of one scenario, which tick at
 * different moments, measure the same air.
 */
function noiseAt(seed: number, at: number, stream: number): number {
  let h = Math.imul(seed ^ Math.imul(stream + 1, 0x9e3779b1), 0x85ebca6b) ^ Math.round(at * 1000);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return ((h >>> 0) / 0xffff_ffff) * 2 - 1;
}

function stringHash(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/**
 * The ESP32 DevKitC board of manifests/esp32-devkitc.json, simulated: an SHT4x and the gas front
 * end's two ADS1115s on I2C bus 0, and a PMS5003 on the UART the manifest names (its SET pin on the
 * GPIO the manifest names), all measuring the scenario's air as board time passes.
 */
export function simulatedBoard(options: SimulatedBoardOptions): SimulatedBoard {
  const config: Record<string, unknown> = { ...resolveManifest(SIMULATED_BOARD_MANIFEST).config, ...options.config, thing: options.thing };
  const pms = config.pms5003 as { port: number; set?: number } | undefined;
  if (!pms || !Number.isInteger(pms.port)) throw new Error(`${SIMULATED_BOARD_MANIFEST}: config.pms5003.port is missing`);
  const climate = new Sht4xModel();
  const particulates = new Pms5003Model();
  const sheet = options.calibration ?? SIMULATED_CALIBRATION;
  const gasCells = {
    co: new AlphasenseB4Model({ calibration: sheet.co }),
    no2: new AlphasenseB4Model({ calibration: sheet.no2 }),
    so2: new AlphasenseB4Model({ calibration: sheet.so2 }),
    ox: new AlphasenseB4Model({ calibration: sheet.ox }),
  };
  const seed = options.noiseSeed ?? stringHash(options.thing);
  const jitter = (at: number, stream: number, amplitude: number): number => noiseAt(seed, at, stream) * amplitude;
  let air = options.air(options.epochAtBoot);
  /** Noise streams: 0–4 climate and PM, then two per gas cell. */
  const electrodes = (cell: AlphasenseB4Model, stream: number, ppb: number, at: number, no2Ppb?: number): [number, number] => {
    const { weMv, aeMv } = cell.electrodes(ppb, air.temperature, at, no2Ppb);
    return [weMv + jitter(at, stream, NOISE.electrodeMv), aeMv + jitter(at, stream + 1, NOISE.electrodeMv)];
  };
  const gasAdcs = [
    new Ads1115Model({ address: 0x48, inputs: (at) => [...electrodes(gasCells.co, 5, air.co, at), ...electrodes(gasCells.no2, 7, air.no2, at)] }),
    new Ads1115Model({ address: 0x49, inputs: (at) => [...electrodes(gasCells.so2, 9, air.so2, at), ...electrodes(gasCells.ox, 11, air.o3, at, air.no2)] }),
  ] as const;
  const preferences = options.preferences ?? new NvsStore();
  if (options.calibration !== null && preferences.get("aqm", "calibration") === undefined) {
    preferences.set("aqm", "calibration", JSON.stringify(sheet));
  }
  const network = new SimNetwork({ ...LAB_WIFI, epochAtBoot: options.epochAtBoot });
  const wifi = options.wifi === undefined ? LAB_WIFI : options.wifi;
  if (wifi && preferences.get("wifi", "ssid") === undefined) {
    preferences.set("wifi", "ssid", wifi.ssid);
    preferences.set("wifi", "password", wifi.password);
  }
  if (options.identity) {
    preferences.set("tls", "ca", { bytes: options.identity.ca });
    preferences.set("tls", "cert", { bytes: options.identity.certificate });
    preferences.set("tls", "key", { bytes: options.identity.key });
  }
  const consoleUart = new ConsoleUart();
  const outboxFlash = options.outboxFlash ?? outboxFlashPartition(options.outboxFlashFile);
  const ota = new SimOtaPartition(OTA_APP_PARTITION_BYTES);
  const sim = new BoardHardware({
    config,
    flash: [outboxFlash],
    ota,
    epochAtBoot: options.clockSetAtBoot ? options.epochAtBoot : 0,
    network,
    preferences,
    ...(options.mqtt ? { mqtt: options.mqtt } : {}),
    ...(options.traces ? { traces: options.traces } : {}),
    onConsole: (text) => {
      consoleUart.fromBoard(text);
      options.onConsole?.(text);
    },
    onTick: (tickAt) => {
      const truth = options.air(options.epochAtBoot + tickAt);
      air = {
        ...truth,
        temperature: truth.temperature + jitter(tickAt, 0, NOISE.temperature),
        humidity: Math.min(100, Math.max(0, truth.humidity + jitter(tickAt, 1, NOISE.humidity))),
        pm1: Math.max(0, truth.pm1 + jitter(tickAt, 2, NOISE.pm)),
        pm2_5: Math.max(0, truth.pm2_5 + jitter(tickAt, 3, NOISE.pm)),
        pm10: Math.max(0, truth.pm10 + jitter(tickAt, 4, NOISE.pm)),
      };
      climate.set({ temperature: air.temperature, humidity: air.humidity });
      particulates.set({ pm1: air.pm1, pm2_5: air.pm2_5, pm10: air.pm10 });
    },
  });
  sim.i2c(0).attach(climate);
  for (const adc of gasAdcs) sim.i2c(0).attach(adc);
  sim.attachUart(pms.port, new UartLink(particulates, { baud: 9600, ...(options.traces ? { keepTransfers: options.traces.uartTransfers } : {}) }));
  sim.attachUart(0, new UartLink(consoleUart, { baud: CONSOLE_BAUD, ...(options.traces ? { keepTransfers: options.traces.uartTransfers } : {}) }));
  if (Number.isInteger(pms.set)) sim.pins.onChange(pms.set!, (level, at) => particulates.setPin(level, at));
  return { sim, outboxFlash, climate, particulates, gasAdcs, gasCells, air: () => air, network, consoleUart, ota };
}
