import type { MqttConnection, MqttConnector } from "../platform/MqttConnector.ts";
import type { HostPort, PortEvent, PortReply, PortRequest } from "../platform/portable/HostPort.ts";
import { DigitalPins } from "./DigitalPins.ts";
import { FlashPartition, PowerLossError } from "./FlashPartition.ts";
import { I2cBus } from "./I2cBus.ts";
import { NvsStore } from "./NvsStore.ts";
import type { SimNetwork } from "../network/SimNetwork.ts";
import type { SimOtaPartition } from "./SimOtaPartition.ts";
import { UartLink } from "./UartLink.ts";
import { TEST_TRACES, TraceRing, type BoardTraceLimits } from "./TraceRing.ts";

export interface BoardHardwareOptions {
  /** The manifest `config` the firmware reads through `mc/config`. */
  readonly config: Record<string, unknown>;
  /**
   * What the board's clock reads at power-on (Unix ms); board time starts at 0 then. An ESP32
   * has no battery-backed clock, so a realistic board starts near 0 and learns the time from
   * SNTP; `network.epochAtBoot` is the true time.
   */
  readonly epochAtBoot: number;
  /** Wi-Fi and time servers; without one the board has no network at all. */
  readonly network?: SimNetwork;
  readonly preferences?: NvsStore;
  readonly flash?: readonly FlashPartition[];
  /** The app partition a firmware update is written to; without one, `esp32/ota` fails as on a board with a single factory app. */
  readonly ota?: SimOtaPartition;
  readonly mqtt?: MqttConnector;
  /** Called with board time at every tick, before IO is collected: where scenarios move the air the models measure. */
  readonly onTick?: (now: number) => void;
  /** Receives everything the firmware writes to its console UART, as it is written. */
  readonly onConsole?: (text: string) => void;
  /** How much of each trace (I2C, pins, console lines) the board keeps in memory; TEST_TRACES unless given. */
  readonly traces?: BoardTraceLimits;
}

/**
 * One simulated board on the host: its I2C buses, UARTs, GPIO, preferences, flash partitions,
 * OTA app partition, console and network, answering the firmware's port requests. Device models attach to the
 * buses; anything that happens on the host side (bytes from a sensor, an MQTT packet) waits in
 * a queue until the board's next tick, as it would wait for the device's event loop.
 */
export class BoardHardware implements HostPort {
  readonly pins: DigitalPins;
  readonly preferences: NvsStore;
  readonly #console: TraceRing<string>;
  readonly #traces: BoardTraceLimits;
  readonly #buses = new Map<number, I2cBus>();
  readonly #uarts = new Map<number, UartLink>();
  readonly #openUarts = new Set<number>();
  readonly #flash = new Map<string, FlashPartition>();
  readonly #connections = new Map<number, MqttConnection>();
  readonly #options: BoardHardwareOptions;
  #events: PortEvent[] = [];
  /** Answers that arrive later in board time (SNTP). */
  #scheduled: { at: number; event: PortEvent }[] = [];
  #now = 0;
  /** When the host next has something for the firmware, as the last tick told it. */
  #nextEventAt: number | undefined;
  #consoleLine = "";
  #poweredOff: string | undefined;
  /** Port requests answered, by operation: how chatty the firmware is with its hardware. */
  readonly requestCounts = new Map<PortRequest["op"], number>();

  constructor(options: BoardHardwareOptions) {
    this.#options = options;
    this.#traces = options.traces ?? TEST_TRACES;
    this.pins = new DigitalPins({ keepChanges: this.#traces.pinChanges });
    this.#console = new TraceRing(this.#traces.consoleLines);
    this.preferences = options.preferences ?? new NvsStore();
    for (const partition of options.flash ?? []) this.#flash.set(partition.name, partition);
  }

  /** The latest complete lines of the serial log, oldest first. */
  get console(): string[] {
    return this.#console.items();
  }

  /** Board time in ms since power-on, as the firmware last told it. */
  get now(): number {
    return this.#now;
  }

  /** Board time at which the host next has something for the firmware (a sensor's bytes, an SNTP answer), as of the last tick. */
  get nextEventAt(): number | undefined {
    return this.#nextEventAt;
  }

  /** Something arrived between ticks (an MQTT packet, a dropped link) and waits for the firmware's next tick. */
  get hasWaitingEvents(): boolean {
    return this.#events.length > 0;
  }

  /** Set when a simulated power cut stopped the board; every later request fails. */
  get poweredOff(): string | undefined {
    return this.#poweredOff;
  }

  i2c(bus = 0): I2cBus {
    let found = this.#buses.get(bus);
    if (!found) {
      found = new I2cBus({ keepTransactions: this.#traces.i2cTransactions });
      this.#buses.set(bus, found);
    }
    return found;
  }

  attachUart(port: number, link: UartLink): void {
    this.#uarts.set(port, link);
  }

  request(request: PortRequest): PortReply {
    if (this.#poweredOff) return { ok: false, code: "power-lost", error: this.#poweredOff };
    this.requestCounts.set(request.op, (this.requestCounts.get(request.op) ?? 0) + 1);
    try {
      return this.#handle(request);
    } catch (error) {
      if (error instanceof PowerLossError) this.#poweredOff = error.message;
      const code = error instanceof PowerLossError ? "power-lost" : error instanceof RangeError ? "range" : "host";
      return { ok: false, code, error: (error as Error).message };
    }
  }

  #handle(request: PortRequest): PortReply {
    switch (request.op) {
      case "tick":
        return this.#tick(request.now);
      case "console":
        this.#writeConsole(request.text);
        return { ok: true };
      case "config":
        return { ok: true, value: JSON.stringify({ config: this.#options.config, epochAtBoot: this.#options.epochAtBoot }) };
      case "i2c.write":
        return this.i2c(request.bus).write(request.address, request.data, this.#now) === "ack"
          ? { ok: true }
          : { ok: false, code: "nack", error: `no acknowledge from 0x${request.address.toString(16)}` };
      case "i2c.read": {
        const data = this.i2c(request.bus).read(request.address, request.length, this.#now);
        return data === "nack" ? { ok: false, code: "nack", error: `no acknowledge from 0x${request.address.toString(16)}` } : { ok: true, data };
      }
      case "serial.open":
        if (!this.#uarts.has(request.port) && request.port !== 0) return { ok: false, code: "no-device", error: `nothing is wired to UART ${request.port}` };
        this.#openUarts.add(request.port);
        return { ok: true };
      case "serial.write":
        if (request.port === 0) this.#writeConsole(String.fromCharCode(...request.data));
        else this.#uart(request.port).write(request.data, this.#now);
        return { ok: true };
      case "serial.read":
        return { ok: true, data: request.port === 0 && !this.#uarts.has(0) ? new Uint8Array(0) : this.#uart(request.port).read(request.max, this.#now) };
      case "serial.close":
        this.#openUarts.delete(request.port);
        return { ok: true };
      case "digital.open":
        return { ok: true };
      case "digital.write":
        this.pins.write(request.pin, request.value, this.#now);
        return { ok: true };
      case "digital.read":
        return { ok: true, value: this.pins.read(request.pin) };
      case "pref.get":
        return { ok: true, value: this.preferences.get(request.domain, request.key) ?? null };
      case "pref.set":
        this.preferences.set(request.domain, request.key, request.value);
        return { ok: true };
      case "pref.delete":
        this.preferences.delete(request.domain, request.key);
        return { ok: true };
      case "pref.keys":
        return { ok: true, keys: this.preferences.keys(request.domain) };
      case "flash.info": {
        const partition = this.#partition(request.partition);
        return { ok: true, size: partition.size, blockSize: partition.blockSize };
      }
      case "flash.read":
        return { ok: true, data: this.#partition(request.partition).read(request.offset, request.length) };
      case "flash.write":
        this.#partition(request.partition).write(request.offset, request.data);
        return { ok: true };
      case "flash.erase":
        this.#partition(request.partition).erase(request.sector);
        return { ok: true };
      case "mqtt.open":
        return this.#openMqtt(request.handle, request.options);
      case "mqtt.write": {
        const connection = this.#connections.get(request.handle);
        if (!connection) return { ok: false, code: "closed", error: `MQTT connection ${request.handle} is closed` };
        connection.write(request.data, request.options);
        return { ok: true };
      }
      case "mqtt.close":
        this.#connections.get(request.handle)?.close();
        this.#connections.delete(request.handle);
        return { ok: true };
      case "wifi.connect":
        if (!this.#options.network) return { ok: false, code: "no-device", error: "this simulated board has no Wi-Fi" };
        this.#options.network.join(request.ssid, request.password, this.#now);
        return { ok: true };
      case "wifi.close":
        this.#options.network?.leave();
        return { ok: true };
      case "ota.begin":
        return { ok: true, value: this.#ota().begin() };
      case "ota.write":
        this.#ota().write(request.handle, request.data);
        return { ok: true };
      case "ota.complete":
        this.#ota().complete(request.handle);
        return { ok: true };
      case "ota.cancel":
        this.#ota().cancel(request.handle);
        return { ok: true };
      case "sntp.query": {
        const network = this.#options.network;
        if (!network) return { ok: false, code: "network-down", error: "this simulated board has no network" };
        const { at, time } = network.answer(this.#now);
        this.#scheduled.push({ at, event: { kind: "sntp", host: request.host, time } });
        return { ok: true };
      }
    }
  }

  #tick(now: number): PortReply {
    if (now < this.#now) return { ok: false, code: "range", error: `board time went backwards from ${this.#now} to ${now} ms` };
    this.#now = now;
    this.#options.onTick?.(now);
    const events = this.#events;
    this.#events = [];
    let nextEventAt: number | undefined;
    const network = this.#options.network;
    if (network) {
      for (const message of network.due(now)) events.push({ kind: "wifi", message });
      nextEventAt = network.nextAt();
    }
    for (const { event } of this.#scheduled.filter((s) => s.at <= now)) events.push(event);
    this.#scheduled = this.#scheduled.filter((s) => s.at > now);
    for (const { at } of this.#scheduled) if (nextEventAt === undefined || at < nextEventAt) nextEventAt = at;
    for (const port of this.#openUarts) {
      const link = this.#uarts.get(port);
      if (!link) continue;
      const available = link.available(now);
      if (available > 0) events.push({ kind: "serial", port, available });
      const next = link.nextEventAt(now);
      if (next !== undefined && (nextEventAt === undefined || next < nextEventAt)) nextEventAt = next;
    }
    this.#nextEventAt = nextEventAt;
    return { ok: true, events, nextEventAt: nextEventAt ?? null };
  }

  /** Takes the access point off the air: the board loses its address, and its connections die with it. */
  dropWifi(): void {
    this.#options.network?.takeDown(this.#now);
    for (const [handle, connection] of this.#connections) {
      connection.close();
      this.#events.push({ kind: "mqtt.error", handle, code: "network-down", message: "Wi-Fi lost" }, { kind: "mqtt.close", handle });
    }
    this.#connections.clear();
  }

  restoreWifi(): void {
    this.#options.network?.bringUp();
  }

  #openMqtt(handle: number, options: Parameters<MqttConnector>[0]): PortReply {
    const connector = this.#options.mqtt;
    if (!connector) return { ok: false, code: "network-down", error: "this simulated board has no network" };
    if (this.#options.network && !this.#options.network.joined) {
      this.#events.push({ kind: "mqtt.error", handle, code: "network-down", message: "no IP address: Wi-Fi is not joined" }, { kind: "mqtt.close", handle });
      return { ok: true };
    }
    let closed = false;
    const push = (event: PortEvent): void => {
      this.#events.push(event);
    };
    const connection = connector(options, {
      onControl: (operation, id, payload) =>
        push(payload ? { kind: "mqtt.control", handle, operation, id, payload } : { kind: "mqtt.control", handle, operation, id }),
      onMessage: (topic, QoS, payload) => push({ kind: "mqtt.message", handle, topic, QoS, payload }),
      onError: (code, message) => push({ kind: "mqtt.error", handle, code, message }),
      onClose: () => {
        closed = true;
        this.#connections.delete(handle);
        push({ kind: "mqtt.close", handle });
      },
    });
    if (!closed) this.#connections.set(handle, connection);
    return { ok: true };
  }

  #uart(port: number): UartLink {
    const link = this.#uarts.get(port);
    if (!link) throw new Error(`nothing is wired to UART ${port}`);
    return link;
  }

  #partition(name: string): FlashPartition {
    const partition = this.#flash.get(name);
    if (!partition) throw new Error(`no flash partition "${name}" on this board`);
    return partition;
  }

  #ota(): SimOtaPartition {
    if (!this.#options.ota) throw new Error("no update partition: this board has no OTA app partition");
    return this.#options.ota;
  }

  #writeConsole(text: string): void {
    this.#options.onConsole?.(text);
    const lines = (this.#consoleLine + text).split("\n");
    this.#consoleLine = lines.pop() ?? "";
    for (const line of lines) this.#console.push(line);
  }
}
