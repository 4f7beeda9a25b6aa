import { spawnSync } from "node:child_process";
import type { WifiSettings } from "../provision/BoardProvisioner.ts";
import type { DeviceUnderTest, DutCapability } from "./DeviceUnderTest.ts";

/**
 * A real board on a USB serial port, provisioned to use the local IoT Core as its broker. The
 * harness cannot take its network away or unplug its sensors, so scenarios needing that are
 * skipped. A rack resets boards with a command of its own (a USB relay, or `esptool.py
 * --after hard_reset run`); without one the operator is asked to press reset. The harness opens
 * the port itself (raw, at the console's speed), once, for the log and the console together.
 */
export class SerialPortDut implements DeviceUnderTest {
  readonly capabilities: ReadonlySet<DutCapability>;
  readonly thing: string;
  readonly serialPort: string;
  readonly description: string;
  readonly wifi: WifiSettings | undefined;
  readonly #resetCommand: string | undefined;
  readonly #say: (line: string) => void;

  constructor(options: { port: string; thing: string; wifi?: WifiSettings; resetCommand?: string; say: (line: string) => void }) {
    this.serialPort = options.port;
    this.thing = options.thing;
    this.wifi = options.wifi;
    this.capabilities = new Set(options.wifi ? ["wifi-credentials"] : []);
    this.#resetCommand = options.resetCommand;
    this.#say = options.say;
    this.description = `board on ${options.port}`;
  }

  async powerOn(): Promise<void> {
    if (!this.#resetCommand) {
      this.#say(`reset the board on ${this.serialPort} now (no --reset-command given)`);
      return;
    }
    const reset = spawnSync("sh", ["-c", this.#resetCommand], { encoding: "utf8" });
    if (reset.status !== 0) throw new Error(`reset command failed (${reset.status}): ${reset.stderr.trim()}`);
  }

  async powerOff(): Promise<void> {}

  dropNetwork(): void {
    throw new Error("a real board's network is not under the harness's control");
  }

  restoreNetwork(): void {
    throw new Error("a real board's network is not under the harness's control");
  }

  unplugClimateSensor(): void {
    throw new Error("a real board's sensors are not under the harness's control");
  }

  plugClimateSensor(): void {
    throw new Error("a real board's sensors are not under the harness's control");
  }

  async close(): Promise<void> {}
}
