import { SerialLog } from "../../../firmware/log/SerialLog";
import type { ConsoleOutbox } from "../../../firmware/console/ConsoleOutbox";
import type { ConsolePreferences, StoredValue } from "../../../firmware/console/ConsolePreferences";
import type { SensorSelfTest } from "../../../firmware/console/SelfTestRun";
import { SerialConsole } from "../../../firmware/console/SerialConsole";
import type { CallbackTimer } from "../../../firmware/types/CallbackTimer";
import { FirmwareUpdate } from "../../../firmware/update/FirmwareUpdate";
import { CONSOLE_BAUD, ConsoleUart } from "./ConsoleUart.ts";
import type { NvsStore } from "./NvsStore.ts";
import type { SimOtaPartition } from "./SimOtaPartition.ts";
import { UartLink } from "./UartLink.ts";

/** Moddable's `preference` API over a simulated board's preference store: ArrayBuffers are kept as bytes. */
export function consolePreferences(store: NvsStore): ConsolePreferences {
  return {
    get(domain, key) {
      const value = store.get(domain, key);
      if (value === undefined) return undefined;
      return typeof value === "object" ? value.bytes.slice().buffer : value;
    },
    set(domain, key, value: StoredValue) {
      store.set(domain, key, value instanceof ArrayBuffer ? { bytes: new Uint8Array(value.slice(0)) } : value);
    },
    delete(domain, key) {
      store.delete(domain, key);
    },
  };
}

/**
 * A board powered up only as far as its serial console: the firmware's `SerialConsole` on a
 * simulated board's preferences, fed through a console UART at 115,200 baud, on a virtual clock
 * of its own. Host tools talk to `uart` as they would to a real board's serial port; each host
 * write moves the clock on until the bytes have arrived and been answered. It is how `aqm
 * provision --board` installs an identity into a simulated board's preference file, and how the
 * console is tested byte for byte, without the rest of the firmware.
 */
export class ConsoleOnlyBoard {
  readonly uart = new ConsoleUart();
  readonly #console: SerialConsole;
  readonly #link: UartLink;
  #now = 0;
  #timers: { at: number; id: number; callback: () => void }[] = [];
  #nextTimer = 1;

  /** `ota`: the app partition a firmware update is written to; without it the console has no `update`. */
  constructor(options: {
    preferences: NvsStore;
    firmwareVersion: string;
    sensors?: readonly SensorSelfTest[];
    outbox?: ConsoleOutbox;
    epochAtBoot?: number;
    ota?: SimOtaPartition;
  }) {
    this.#link = new UartLink(this.uart, { baud: CONSOLE_BAUD });
    const print = (text: string): void => this.uart.fromBoard(text);
    const epoch = options.epochAtBoot ?? 0;
    const log = new SerialLog({ write: print, now: () => epoch + this.#now });
    const timer: CallbackTimer = {
      set: (callback, ms) => {
        const id = this.#nextTimer++;
        this.#timers.push({ at: this.#now + ms, id, callback });
        return id;
      },
      clear: (id) => {
        this.#timers = this.#timers.filter((entry) => entry.id !== id);
      },
    };
    const ota = options.ota;
    this.#console = new SerialConsole({
      write: print,
      log,
      preferences: consolePreferences(options.preferences),
      timer,
      versions: { firmware: options.firmwareVersion },
      ...(options.sensors ? { sensors: options.sensors } : {}),
      ...(options.outbox ? { outbox: options.outbox } : {}),
      // The bench has no status LED to follow the update.
      ...(ota ? { update: new FirmwareUpdate({ open: () => ota.open(), log, timer, maxBytes: ota.size, onActive: () => {} }) } : {}),
    });
    this.uart.onHostWrite = () => this.settle();
  }

  /** Moves board time on by `ms`: bytes arrive at the baud rate, timers fire when due. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#poll();
      const due = Math.min(this.#link.nextEventAt(this.#now) ?? Infinity, ...this.#timers.map((timer) => timer.at));
      if (due > end) break;
      this.#now = Math.max(this.#now, due);
      this.#poll();
      const fire = this.#timers.filter((timer) => timer.at <= this.#now);
      this.#timers = this.#timers.filter((timer) => timer.at > this.#now);
      for (const timer of fire) timer.callback();
    }
    this.#now = end;
    this.#poll();
  }

  /** Moves board time on until every byte the host sent has been read; timers due meanwhile fire. */
  settle(): void {
    for (let next = this.#link.nextEventAt(this.#now); next !== undefined; next = this.#link.nextEventAt(this.#now)) {
      this.advance(next - this.#now);
    }
  }

  #poll(): void {
    const available = this.#link.available(this.#now);
    if (available > 0) this.#console.receive(this.#link.read(available, this.#now));
  }
}
