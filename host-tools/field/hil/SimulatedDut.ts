import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from "node:fs";
import type { IssuedCertificate, LocalCa } from "../../local-cloud/iot-core/LocalCa.ts";
import { LocalCa as Ca } from "../../local-cloud/iot-core/LocalCa.ts";
import type { ThingRegistry } from "../../local-cloud/iot-core/ThingRegistry.ts";
import { TlsMqttConnection } from "../../board-sim/platform/TlsMqttConnection.ts";
import { VmBoard } from "../../board-sim/platform/VmBoard.ts";
import { NvsStore } from "../../board-sim/board/NvsStore.ts";
import { SyntheticAir } from "../../board-sim/scenarios/SyntheticAir.ts";
import { LAB_WIFI, outboxFlashPartition, simulatedBoard, type SimulatedBoard } from "../../board-sim/board/SimulatedBoard.ts";
import type { DeviceUnderTest, DutCapability, DutIdentity } from "./DeviceUnderTest.ts";
import type { PseudoTerminal } from "./PseudoTerminal.ts";

const DRIVE_EVERY_MS = 20;
/** Short intervals, so a scenario sees several readings in seconds. */
const HIL_CONFIG = { sampleIntervalMs: 2_000, readIntervalMs: 1_000 } as const;

/** The identities the harness issues and installs before boot. */
type IssuedIdentity = Exclude<DutIdentity, "stored">;

/**
 * The simulated ESP32 DevKitC running the real firmware in real time, its console UART on the
 * device end of a pseudo-terminal, connecting over mutual TLS to the local IoT Core. Its
 * preferences and flash outlive a power cycle, as a real board's do.
 */
export class SimulatedDut implements DeviceUnderTest {
  readonly description = "simulated ESP32 DevKitC (firmware on Node's vm) on a pseudo-terminal";
  readonly capabilities: ReadonlySet<DutCapability> = new Set(["network-control", "sensor-control", "identity-control", "wifi-credentials"]);
  readonly wifi = LAB_WIFI;
  readonly thing: string;
  readonly #pty: PseudoTerminal;
  readonly #ca: LocalCa;
  readonly #registry: ThingRegistry;
  readonly #port: number;
  readonly #preferences = new NvsStore();
  readonly #flash = outboxFlashPartition();
  readonly #air = new SyntheticAir(5);
  #identities = new Map<IssuedIdentity, IssuedCertificate>();
  #untrustedCa: LocalCa | undefined;
  #board: SimulatedBoard | undefined;
  #driver: NodeJS.Timeout | undefined;
  #console: WriteStream | undefined;
  /**
   * What the host types, read from the device end by one reader for the board's whole life (a
   * reader per boot would leave a blocked read behind at every power cycle); a board without
   * power hears none of it.
   */
  readonly #typed: ReadStream;

  constructor(options: { thing: string; pty: PseudoTerminal; ca: LocalCa; registry: ThingRegistry; port: number }) {
    this.thing = options.thing;
    this.#pty = options.pty;
    this.#ca = options.ca;
    this.#registry = options.registry;
    this.#port = options.port;
    this.#typed = createReadStream(options.pty.deviceEnd);
    this.#typed.on("data", (chunk) => this.#board?.consoleUart.write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk)));
    // EIO once socat is gone at the end of the session: nothing more will be typed.
    this.#typed.on("error", () => {});
  }

  get serialPort(): string {
    return this.#pty.hostEnd;
  }

  async powerOn(identity: DutIdentity = "valid"): Promise<void> {
    await this.powerOff();
    const issued = identity === "stored" ? undefined : await this.#identity(identity);
    this.#console = createWriteStream(this.#pty.deviceEnd);
    const console = this.#console;
    const epochAtBoot = Date.now();
    const board = simulatedBoard({
      thing: this.thing,
      epochAtBoot,
      // Booting as stored puts nothing in its preferences, not even the lab's Wi-Fi after a factory reset.
      ...(issued ? { identity: { ca: this.#ca.certDer, certificate: issued.certDer, key: issued.keyDer } } : { wifi: null }),
      preferences: this.#preferences,
      outboxFlash: this.#flash,
      config: { endpoint: "localhost", port: this.#port, ...HIL_CONFIG },
      mqtt: (open, events) => new TlsMqttConnection(open, events, { address: "127.0.0.1" }),
      air: (t) => this.#air.at(t),
      onConsole: (text) => console.write(text),
    });
    this.#board = board;
    const vm = await VmBoard.boot(board.sim);
    let last = performance.now();
    this.#driver = setInterval(() => {
      const now = performance.now();
      const elapsed = Math.floor(now - last);
      if (elapsed <= 0) return;
      last += elapsed;
      vm.advance(elapsed);
    }, DRIVE_EVERY_MS);
  }

  async powerOff(): Promise<void> {
    if (this.#driver) clearInterval(this.#driver);
    this.#driver = undefined;
    // Power gone: the board's TLS connection dies with it, as the broker sees when a board is unplugged.
    this.#board?.sim.dropWifi();
    this.#board = undefined;
    const console = this.#console;
    this.#console = undefined;
    if (console) await new Promise<void>((resolve) => console.end(resolve));
  }

  dropNetwork(): void {
    this.#running().sim.dropWifi();
  }

  restoreNetwork(): void {
    this.#running().sim.restoreWifi();
  }

  unplugClimateSensor(): void {
    this.#running().sim.i2c(0).detach(0x44);
  }

  plugClimateSensor(): void {
    const board = this.#running();
    board.sim.i2c(0).attach(board.climate);
  }

  async close(): Promise<void> {
    await this.powerOff();
    this.#typed.destroy();
  }

  #running(): SimulatedBoard {
    if (!this.#board) throw new Error("the simulated board is powered off");
    return this.#board;
  }

  async #identity(kind: IssuedIdentity): Promise<IssuedCertificate> {
    const known = this.#identities.get(kind);
    if (known) return known;
    let issued: IssuedCertificate;
    if (kind === "valid") {
      issued = await this.#ca.issueDeviceCertificate(this.thing);
      this.#registry.provision(this.thing, issued.certPem);
    } else {
      this.#untrustedCa ??= await Ca.createEphemeral("a CA the IoT Core does not trust");
      issued = await this.#untrustedCa.issueDeviceCertificate(this.thing);
    }
    this.#identities.set(kind, issued);
    return issued;
  }
}
