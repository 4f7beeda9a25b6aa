import type { MqttConnector } from "../platform/MqttConnector.ts";
import { resolveManifest, SIMULATED_BOARD_MANIFEST } from "../platform/BoardManifest.ts";
import { Pms5003Model } from "./models/Pms5003Model.ts";
import { Sht4xModel } from "./models/Sht4xModel.ts";
import { FlashPartition } from "./FlashPartition.ts";
import { PreferenceStore } from "./PreferenceStore.ts";
import type { AirSample } from "./scenarios/SyntheticAir.ts";
import { SimBoard } from "./SimBoard.ts";
import { UartLink } from "./UartLink.ts";

/** Size of the aqmlog partition in manifests/partitions.csv (0x10000). */
const OUTBOX_PARTITION_BYTES = 0x10000;

/** A board's identity as the firmware stores it: DER CA certificate, DER client certificate, PKCS#8 DER key. */
export interface BoardIdentity {
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
  readonly identity?: BoardIdentity;
  readonly preferences?: PreferenceStore;
  /** Where the board's flash partition for unsent readings lives between runs; in memory when left out. */
  readonly outboxFlashFile?: string;
  /** The same partition again, for a restart of the same board in one process. */
  readonly outboxFlash?: FlashPartition;
  readonly mqtt?: MqttConnector;
  /** The air the sensors measure, by wall time. */
  readonly air: (epochMs: number) => AirSample;
  readonly onConsole?: (text: string) => void;
}

export interface SimulatedBoard {
  readonly sim: SimBoard;
  /** The `aqmlog` partition of manifests/partitions.csv, where the firmware keeps unsent readings. */
  readonly outboxFlash: FlashPartition;
  readonly climate: Sht4xModel;
  readonly particulates: Pms5003Model;
}

/**
 * The ESP32 DevKitC board of manifests/esp32-devkitc.json, simulated: an SHT4x on I2C bus 0 and a
 * PMS5003 on the UART the manifest names, both measuring the scenario's air as board time passes.
 */
export function simulatedBoard(options: SimulatedBoardOptions): SimulatedBoard {
  const config: Record<string, unknown> = { ...resolveManifest(SIMULATED_BOARD_MANIFEST).config, ...options.config, thing: options.thing };
  const pms = config.pms5003 as { port: number } | undefined;
  if (!pms || !Number.isInteger(pms.port)) throw new Error(`${SIMULATED_BOARD_MANIFEST}: config.pms5003.port is missing`);
  const climate = new Sht4xModel();
  const particulates = new Pms5003Model();
  const preferences = options.preferences ?? new PreferenceStore();
  if (options.identity) {
    preferences.set("tls", "ca", { bytes: options.identity.ca });
    preferences.set("tls", "cert", { bytes: options.identity.certificate });
    preferences.set("tls", "key", { bytes: options.identity.key });
  }
  const outboxFlash = options.outboxFlash ?? new FlashPartition({ name: "aqmlog", size: OUTBOX_PARTITION_BYTES, ...(options.outboxFlashFile ? { file: options.outboxFlashFile } : {}) });
  const sim = new SimBoard({
    config,
    flash: [outboxFlash],
    epochAtBoot: options.epochAtBoot,
    preferences,
    ...(options.mqtt ? { mqtt: options.mqtt } : {}),
    ...(options.onConsole ? { onConsole: options.onConsole } : {}),
    onTick: (now) => {
      const air = options.air(options.epochAtBoot + now);
      climate.set({ temperature: air.temperature, humidity: air.humidity });
      particulates.set({ pm1: air.pm1, pm2_5: air.pm2_5, pm10: air.pm10 });
    },
  });
  sim.i2c(0).attach(climate);
  sim.attachUart(pms.port, new UartLink(particulates, { baud: 9600 }));
  return { sim, outboxFlash, climate, particulates };
}
