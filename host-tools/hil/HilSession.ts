import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCa } from "../iot-core/LocalCa.ts";
import { LocalIotCore } from "../iot-core/LocalIotCore.ts";
import type { DeviceUnderTest } from "./DeviceUnderTest.ts";
import { MqttWatch } from "./MqttWatch.ts";
import { PseudoTerminal } from "./PseudoTerminal.ts";
import { SerialLogWatch } from "./SerialLogWatch.ts";
import { SerialPortDut } from "./SerialPortDut.ts";
import { SimulatedDut } from "./SimulatedDut.ts";

export interface HilTarget {
  /** "sim" for a simulated board on a pseudo-terminal, or a serial port such as /dev/ttyUSB0. */
  readonly target: string;
  readonly thing: string;
  /** Where the local CA lives (shared with the local twin, so a provisioned real board trusts it); a throwaway CA when left out. */
  readonly stateDir?: string;
  /** For a real board: the host name or address it uses as its endpoint, which the server certificate must name. */
  readonly endpoint?: string;
  readonly resetCommand?: string;
  readonly say: (line: string) => void;
}

/** The harness's world for one run: the local IoT Core, the board, and the two watches on it. */
export class HilSession {
  readonly dut: DeviceUnderTest;
  readonly serial: SerialLogWatch;
  readonly mqtt: MqttWatch;
  readonly #core: LocalIotCore;
  readonly #pty: PseudoTerminal | undefined;

  private constructor(parts: { dut: DeviceUnderTest; serial: SerialLogWatch; mqtt: MqttWatch; core: LocalIotCore; pty: PseudoTerminal | undefined }) {
    this.dut = parts.dut;
    this.serial = parts.serial;
    this.mqtt = parts.mqtt;
    this.#core = parts.core;
    this.#pty = parts.pty;
  }

  static async open(options: HilTarget): Promise<HilSession> {
    const simulated = options.target === "sim";
    const ca = options.stateDir ? await LocalCa.openOrCreate(options.stateDir) : await LocalCa.createEphemeral("aqm HIL CA");
    const hostnames = ["localhost", ...(options.endpoint && !/^[\d.]+$/.test(options.endpoint) ? [options.endpoint] : [])];
    const ips = ["127.0.0.1", ...(options.endpoint && /^[\d.]+$/.test(options.endpoint) ? [options.endpoint] : [])];
    const server = await ca.issueServerCertificate({ hostnames, ips });
    // A real board reaches the host over the LAN on IoT Core's port; a simulated one stays on loopback.
    // Shadows live beside the CA when a state folder is given (the local twin's), else for this run only.
    const shadowStateDir = options.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "aqm-hil-shadows-"));
    const core = new LocalIotCore({ host: simulated ? "127.0.0.1" : "0.0.0.0", port: simulated ? 0 : 8883, caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem, shadowStateDir });
    const mqtt = new MqttWatch(core);
    const { port } = await core.start();
    let pty: PseudoTerminal | undefined;
    let dut: DeviceUnderTest;
    try {
      if (simulated) {
        pty = await PseudoTerminal.open();
        dut = new SimulatedDut({ thing: options.thing, pty, ca, port });
      } else {
        dut = new SerialPortDut({ port: options.target, thing: options.thing, say: options.say, ...(options.resetCommand ? { resetCommand: options.resetCommand } : {}) });
      }
    } catch (error) {
      pty?.close();
      await core.stop();
      throw error;
    }
    const serial = new SerialLogWatch(dut.serialPort);
    return new HilSession({ dut, serial, mqtt, core, pty });
  }

  async close(): Promise<void> {
    await this.dut.close();
    this.serial.close();
    this.#pty?.close();
    await this.#core.stop();
  }
}
