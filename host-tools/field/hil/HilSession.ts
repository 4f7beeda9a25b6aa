import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCa } from "../../local-cloud/iot-core/LocalCa.ts";
import { LocalIotCore } from "../../local-cloud/iot-core/LocalIotCore.ts";
import { acceptedLogFile } from "../../local-cloud/iot-core/AcceptedLog.ts";
import { ThingRegistry } from "../../local-cloud/iot-core/ThingRegistry.ts";
import { UsageError } from "../cli/CommandArgs.ts";
import type { BoardIdentity } from "../provision/BoardIdentity.ts";
import type { WifiSettings } from "../provision/BoardProvisioner.ts";
import { ttyLink, type ConsoleLink } from "../provision/ConsoleLink.ts";
import { freshLocalIdentity } from "../provision/LocalIdentity.ts";
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
  /** Where the local CA, the shadows and the lake live (shared with the local twin, so a provisioned real board trusts it); a throwaway CA and a temporary folder when left out. */
  readonly stateDir?: string;
  /** For a real board: the host name or address it uses as its endpoint, which the server certificate must name. */
  readonly endpoint?: string;
  /** For a real board: the access point it joins, which provisioning it from scratch stores again. */
  readonly wifi?: WifiSettings;
  readonly resetCommand?: string;
  readonly say: (line: string) => void;
}

/** The harness's world for one run: the local IoT Core, the board, its serial port, and the two watches on it. */
export class HilSession {
  readonly dut: DeviceUnderTest;
  readonly serial: SerialLogWatch;
  readonly mqtt: MqttWatch;
  readonly #port: ConsoleLink & { close(): void };
  readonly #core: LocalIotCore;
  readonly #pty: PseudoTerminal | undefined;
  readonly #issue: (thing: string) => Promise<BoardIdentity>;

  private constructor(parts: {
    dut: DeviceUnderTest;
    port: ConsoleLink & { close(): void };
    mqtt: MqttWatch;
    core: LocalIotCore;
    pty: PseudoTerminal | undefined;
    issue: (thing: string) => Promise<BoardIdentity>;
  }) {
    this.dut = parts.dut;
    this.#port = parts.port;
    this.serial = new SerialLogWatch(parts.port);
    this.mqtt = parts.mqtt;
    this.#core = parts.core;
    this.#pty = parts.pty;
    this.#issue = parts.issue;
  }

  static async open(options: HilTarget): Promise<HilSession> {
    const simulated = options.target === "sim";
    // What a board is provisioned with, so it must be what it reaches this host at.
    const endpoint = simulated ? "localhost" : options.endpoint;
    // A real board is provisioned with the endpoint, so without one nothing can start: the caller's usage is wrong.
    if (endpoint === undefined) throw new UsageError(`a board on ${options.target} needs --endpoint: the host name or address it reaches this host at`);
    const ca = options.stateDir ? await LocalCa.openOrCreate(options.stateDir) : await LocalCa.createEphemeral("aqm HIL CA");
    const hostnames = ["localhost", ...(options.endpoint && !/^[\d.]+$/.test(options.endpoint) ? [options.endpoint] : [])];
    const ips = ["127.0.0.1", ...(options.endpoint && /^[\d.]+$/.test(options.endpoint) ? [options.endpoint] : [])];
    const server = await ca.issueServerCertificate({ hostnames, ips });
    // A real board reaches the host over the LAN on IoT Core's port; a simulated one stays on loopback.
    // Shadows and the lake live beside the CA when a state folder is given (the local twin's), else
    // for this run only; either way the board's telemetry goes through the cloud's rule as in the twin.
    const stateDir = options.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "aqm-hil-state-"));
    const registry = ThingRegistry.open(stateDir);
    const core = new LocalIotCore({
      registry,
      host: simulated ? "127.0.0.1" : "0.0.0.0",
      port: simulated ? 0 : 8883,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      shadowStateDir: stateDir,
      lake: { dir: path.join(stateDir, "lake"), acceptedLog: acceptedLogFile(stateDir) },
    });
    core.onEvent((event) => {
      if (event.kind === "undelivered")
        options.say(
          `rule ${event.rule} could not deliver a message from ${event.thing} on ${event.topic} to the lake${event.recorded ? " (recorded under errors/)" : ""}: ${event.detail}`,
        );
    });
    const mqtt = new MqttWatch(core);
    const { port } = await core.start();
    let pty: PseudoTerminal | undefined;
    let dut: DeviceUnderTest | undefined;
    try {
      if (simulated) {
        pty = await PseudoTerminal.open();
        dut = new SimulatedDut({ thing: options.thing, pty, ca, registry, port });
      } else {
        dut = new SerialPortDut({
          port: options.target,
          thing: options.thing,
          say: options.say,
          ...(options.wifi ? { wifi: options.wifi } : {}),
          ...(options.resetCommand ? { resetCommand: options.resetCommand } : {}),
        });
      }
      // The log and the console share the port: one reader feeds both, or each would take bytes the other never sees.
      const serialPort = ttyLink(dut.serialPort);
      return new HilSession({ dut, port: serialPort, mqtt, core, pty, issue: (thing) => freshLocalIdentity(ca, registry, { thing, endpoint, port }) });
    } catch (error) {
      await dut?.close();
      pty?.close();
      await core.stop();
      throw error;
    }
  }

  /** The board's serial console, on the same reader of the port as `serial`. */
  get console(): ConsoleLink {
    return this.#port;
  }

  issueIdentity(thing: string): Promise<BoardIdentity> {
    return this.#issue(thing);
  }

  async close(): Promise<void> {
    await this.dut.close();
    this.serial.close();
    this.#port.close();
    this.#pty?.close();
    await this.#core.stop();
  }
}
