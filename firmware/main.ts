import device from "embedded:provider/builtin";
import TCP from "embedded:io/socket/tcp";
import TLSSocket from "embedded:io/socket/tcp/tls";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import MQTTClient from "embedded:network/mqtt/client";
import config from "mc/config";
import Preference from "preference";
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import WiFi from "wifi";
import OTA from "esp32/ota";
import { AnomalyWatch } from "./board/AnomalyWatch";
import { Board } from "./board/Board";
import { ConfigError, parseBoardConfig, type BoardConfig } from "./board/BoardConfig";
import { nextBootId } from "./board/BootCounter";
import { CalibrationStore } from "./board/CalibrationStore";
import { SensorHealth } from "./board/SensorHealth";
import Ads1115 from "./drivers/Ads1115";
import Pms5003 from "./drivers/Pms5003";
import Sht4x from "./drivers/Sht4x";
import { ClimateChannels } from "./sampling/ClimateChannels";
import { FaultLatch } from "./sampling/FaultLatch";
import { GAS_ADC_FULL_SCALE_MV, GasChannels } from "./sampling/GasChannels";
import { ParticulateChannels } from "./sampling/ParticulateChannels";
import { Sampler } from "./sampling/Sampler";
import { SerialLog } from "./log/SerialLog";
import { Backoff } from "./session/Backoff";
import { MqttSession, type ControlMessage, type MqttClientLike } from "./session/MqttSession";
import { telemetryTopic } from "./session/MqttTopics";
import Flash from "flash";
import { FlashOutbox } from "./session/FlashOutbox";
import type { Outbox } from "./session/Outbox";
import { OUTBOX_PARTITION } from "./session/OutboxPartition";
import { OutboundQueue } from "./session/OutboundQueue";
import { StoreAndForward } from "./session/StoreAndForward";
import { hashString, SeededRandom } from "./session/SeededRandom";
import { StatusLed } from "./status/StatusLed";
import { NetworkLink, type WifiCredentials } from "./network/NetworkLink";
import { DEFAULT_SCORER_CONFIG } from "./anomaly/ScorerConfig";
import { DeviceShadow } from "./shadow/DeviceShadow";
import { loadSettings as loadRuntimeSettings } from "./shadow/RuntimeSettings";
import { ConnectionProbe } from "./session/ConnectionProbe";
import { mqttsTransport, type MqttsModules, type ResolverClass, type SocketClass } from "./network/MqttsNetwork";
import { openConsoleUart } from "./console/ConsoleUart";
import { SerialConsole } from "./console/SerialConsole";
import type { ConsolePreferences } from "./console/ConsolePreferences";
import { SETTING_KEYS } from "./console/ProvisioningSettings";
import { FirmwareUpdate } from "./update/FirmwareUpdate";
import { OTA_APP_PARTITION_BYTES } from "./update/OtaSlot";
import { ads1115SelfTest, pms5003SelfTest, sht4xSelfTest } from "./board/SensorSelfTests";

/**
 * The device entry point: reads the build config and the stored identity, builds every part with
 * the ECMA-419 IO it needs, and starts the board. Everything below this file takes its
 * dependencies as arguments, so tests can build the same parts on simulated buses.
 */
export const FIRMWARE_VERSION = "0.1.0";

const log = new SerialLog({ write: (text) => trace(text), now: () => Date.now() });

/** What was stored over the serial console (aqm provision) wins over the build's config. */
function provisioned(): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const name of ["thing", "endpoint", "port"] as const) {
    const { domain, key } = SETTING_KEYS[name];
    const value = Preference.get(domain, key);
    if (value !== undefined) found[name] = value;
  }
  return found;
}

function loadSettings(): BoardConfig {
  try {
    return parseBoardConfig({ ...(config as Record<string, unknown>), ...provisioned() });
  } catch (error) {
    // Say which setting is wrong on the serial log before the boot stops: nothing below can run without it.
    if (error instanceof ConfigError) log.event("CF120", { setting: error.setting, problem: error.message });
    throw error;
  }
}

const settings = loadSettings();
const bootId = nextBootId(Preference);
const health = new SensorHealth();

const timerAdapter = {
  set: (callback: () => void, interval: number): unknown => Timer.set(callback, interval),
  repeat: (callback: () => void, interval: number): unknown => Timer.repeat(callback, interval),
  clear: (timer: unknown): void => Timer.clear(timer as ReturnType<typeof Timer.set> | undefined),
};

function outputPin(pin: number): { write(value: 0 | 1): void } {
  return new device.io.Digital({ pin, mode: device.io.Digital.Output });
}

const led = new StatusLed({
  red: outputPin(settings.led.red),
  green: outputPin(settings.led.green),
  blue: outputPin(settings.led.blue),
  timer: timerAdapter,
  onChange: (state) => log.event("LD500", { state }),
});

const climateErrors = new FaultLatch();
/** The SDK's ESP32 provider has no default I2C bus, and its I2C refuses a bus without `hz`: the manifest names it all. */
const i2cBus = { io: device.io.I2C, port: settings.i2c.port, data: settings.i2c.data, clock: settings.i2c.clock, hz: settings.i2c.hz };
const climate = new Sht4x({ sensor: i2cBus, onError: climateErrors.note });

const particulateErrors = new FaultLatch();
const pms = settings.pms5003;
/** Milliseconds that only move forward: SNTP steps Date.now() by decades when it first sets the clock. */
const monotonicNow = (): number => Time.ticks;

const particulates = new Pms5003({
  now: monotonicNow,
  sensor: { io: device.io.Serial, port: pms.port, receive: pms.receive, transmit: pms.transmit, baud: 9600 },
  ...(pms.set === undefined ? {} : { set: outputPin(pms.set) }),
  onError: particulateErrors.note,
});
particulates.configure({ mode: "active" });

/** The two ADS1115s of the gas front end (docs/gas-sensors.md): ADDR tied to GND and to VDD. */
const gasAdcErrors = [new FaultLatch(), new FaultLatch()] as const;
const gasAdcs = [
  new Ads1115({ sensor: i2cBus, address: 0x48, onError: gasAdcErrors[0].note }),
  new Ads1115({ sensor: i2cBus, address: 0x49, onError: gasAdcErrors[1].note }),
] as const;
for (const adc of gasAdcs) adc.configure({ fullScaleMv: GAS_ADC_FULL_SCALE_MV });

const calibration = new CalibrationStore(Preference);
const loaded = calibration.load();
if ("record" in loaded) log.event("CF130", { id: loaded.record.id });
else if ("missing" in loaded) log.event("CF131");
else log.event("CF132", { reason: loaded.invalid });

/** What the cloud set through the Device Shadow before this boot, over the build's settings. */
const stored = loadRuntimeSettings(Preference, {
  sampleIntervalMs: settings.sampleIntervalMs,
  readIntervalMs: settings.readIntervalMs,
  batchWaitMs: settings.batchWaitMs,
  anomaly: DEFAULT_SCORER_CONFIG,
});
for (const field of Object.keys(stored.ignored)) log.event("SH710", { field, reason: `stored value ignored: ${stored.ignored[field]}` });
const runtime = stored.settings;

const gases = new GasChannels({ adcs: gasAdcs, errors: gasAdcErrors, ...(calibration.current ? { calibration: calibration.current } : {}) });
const sampler = new Sampler({
  climate: new ClimateChannels({ sensor: climate, errors: climateErrors }),
  particulates: new ParticulateChannels({
    sensor: particulates,
    errors: particulateErrors,
    sampleIntervalMs: runtime.sampleIntervalMs,
    readIntervalMs: runtime.readIntervalMs,
  }),
  gases,
  readIntervalMs: runtime.readIntervalMs,
  sampleIntervalMs: runtime.sampleIntervalMs,
  timer: timerAdapter,
});

function storedDer(key: string): ArrayBuffer | undefined {
  const value = Preference.get("tls", key);
  return value instanceof ArrayBuffer ? value : undefined;
}

const ca = storedDer("ca");
const certificate = storedDer("cert");
const key = storedDer("key");
const random = new SeededRandom(hashString(settings.thing) ^ bootId);
/** The SDK's MQTT client and the transport under it, from the manifest's SDK includes (firmware/device-modules.json). */
const mqttsModules: MqttsModules = {
  TLSSocket: TLSSocket as unknown as SocketClass,
  TCP: TCP as unknown as SocketClass,
  UDP: UDP as unknown as SocketClass,
  Resolver: Resolver as unknown as ResolverClass,
  dnsServers: settings.dnsServers,
};
const tlsOptions = { certificate: ca, clientCertificates: [certificate], clientKey: key };

function openOutbox(): Outbox {
  let store: StoreAndForward;
  try {
    store = new StoreAndForward({ flash: new Flash(OUTBOX_PARTITION) });
  } catch (error) {
    log.event("SF610", { partition: OUTBOX_PARTITION, reason: String(error) });
    return new OutboundQueue(settings.queueCapacity);
  }
  const recovered = store.recover();
  if (recovered.pending > 0) log.event("SF600", { pending: recovered.pending, torn: recovered.torn });
  if (recovered.corrupt > 0) log.event("SF620", { corrupt: recovered.corrupt });
  return new FlashOutbox({ store, topic: telemetryTopic(settings.thing) });
}

const outbox = openOutbox();

const shadow: DeviceShadow = new DeviceShadow({
  thing: settings.thing,
  firmwareVersion: FIRMWARE_VERSION,
  bootId,
  settings: runtime,
  calibration,
  preferences: Preference,
  transport: { send: (topic: string, payload: ArrayBuffer): boolean => session.send(topic, payload) },
  timer: timerAdapter,
  events: {
    onApplied: (outcome) => {
      if (outcome.calibration) gases.calibration = outcome.calibration;
      board.applySettings(outcome);
    },
    onServiceError: (operation, code, message) => log.event("SH720", { operation, code, message }),
  },
  encode: (text) => ArrayBuffer.fromString(text),
  // The copy gives String.fromArrayBuffer a buffer of exactly the payload.
  decode: (bytes) => String.fromArrayBuffer(new Uint8Array(bytes).buffer as ArrayBuffer),
});

const session: MqttSession = new MqttSession({
  connect: (handlers) => {
    const probe = new ConnectionProbe();
    const Client = MQTTClient as unknown as new (options: Record<string, unknown>) => MqttClientLike;
    return new Client({
      ...mqttsTransport(mqttsModules, tlsOptions, probe),
      host: settings.endpoint,
      port: settings.port,
      id: settings.thing,
      clean: true,
      keepAlive: settings.keepAliveMs,
      // The SDK's client: onControl with one argument, onError with none (then it closes), never onClose.
      onControl: (message: ControlMessage) => handlers.onControl(message),
      onReadable: (count: number, options: { more: boolean; topic?: string }) => handlers.onReadable(count, options),
      onError: () => handlers.onError(probe.stage),
    });
  },
  networkUp: () => networkLink.state === "ready",
  timer: timerAdapter,
  backoff: new Backoff({ baseMs: 2_000, maxMs: 900_000, floorMs: 1_500, random: () => random.next() }),
  queue: outbox,
  // A backlog replays as batches that fit one 5 KB billing unit with the topic and MQTT header
  // beside them; two dozen readings in flight (about 10 KB of RAM) keep two batches on the wire.
  batchBytes: 5_000,
  batchWaitMs: runtime.batchWaitMs,
  maxInFlight: 24,
  // Timeouts need a clock that SNTP does not move.
  now: monotonicNow,
  onChange: (change) => board.onSessionChange(change),
  subscriptions: shadow.subscriptions,
  onMessage: (topic, payload) => shadow.receive(topic, payload),
  onSubscribed: (refused) => board.onSubscribed(refused),
});

/** Tried in turn when one does not answer. */
const SNTP_HOSTS = ["pool.ntp.org", "time.google.com", "time.cloudflare.com"];

function storedWifi(): WifiCredentials | undefined {
  const ssid = Preference.get("wifi", "ssid");
  const password = Preference.get("wifi", "password");
  return typeof ssid === "string" && ssid !== "" ? { ssid, password: typeof password === "string" ? password : "" } : undefined;
}

const networkLink: NetworkLink = new NetworkLink({
  credentials: storedWifi(),
  sntpHosts: SNTP_HOSTS,
  wifi: (credentials, onMessage) => new WiFi({ ssid: credentials.ssid, password: credentials.password }, onMessage),
  sntp: (host, onAnswer) => {
    new SNTP({ host }, (message, value) => onAnswer(message, value));
  },
  setTime: (seconds) => Time.set(seconds),
  now: () => Date.now(),
  timer: timerAdapter,
  onChange: (change) => board.onNetworkChange(change),
});

export const board = new Board({
  network: networkLink,
  thing: settings.thing,
  bootId,
  sampler,
  shadow,
  anomaly: new AnomalyWatch(runtime.anomaly),
  health,
  session,
  led,
  log,
  now: () => Date.now(),
  encode: (text) => ArrayBuffer.fromString(text),
  // The copy gives String.fromArrayBuffer a buffer of exactly the payload.
  decode: (bytes) => String.fromArrayBuffer(new Uint8Array(bytes).buffer as ArrayBuffer),
});

const firmwareUpdate = new FirmwareUpdate({
  open: () => new OTA(),
  log,
  timer: timerAdapter,
  maxBytes: OTA_APP_PARTITION_BYTES,
  onActive: (active) => (active ? led.hold("firmware-update") : led.release()),
});

const serialConsole = new SerialConsole({
  write: (text) => trace(text),
  log,
  preferences: Preference as ConsolePreferences,
  timer: timerAdapter,
  versions: { firmware: FIRMWARE_VERSION },
  sensors: [
    sht4xSelfTest(climate, climateErrors),
    pms5003SelfTest(particulates, particulateErrors, timerAdapter),
    ads1115SelfTest(gasAdcs[0], 0x48, gasAdcErrors[0]),
    ads1115SelfTest(gasAdcs[1], 0x49, gasAdcErrors[1]),
  ],
  outbox: {
    get pending() {
      return outbox.length;
    },
    get dropped() {
      return outbox.dropped;
    },
    get fill() {
      return outbox.fill;
    },
    record: (index) => {
      const payload = outbox.payloadAt(index);
      return payload && new Uint8Array(payload);
    },
    clear: () => outbox.clear(),
  },
  update: firmwareUpdate,
});

/** The console's UART from the manifest; in a debug build, whose debugger holds UART 0, its debug-build UART. */
openConsoleUart({
  open: (uart, onBytes) => {
    const serial: InstanceType<typeof device.io.Serial> = new device.io.Serial({
      ...uart,
      format: "buffer",
      onReadable: (count: number) => {
        const bytes = serial.read(count);
        if (typeof bytes === "object") onBytes(new Uint8Array(bytes));
      },
    });
  },
  console: settings.console,
  ...(settings.debugConsole ? { debugConsole: settings.debugConsole } : {}),
  onBytes: (bytes) => serialConsole.receive(bytes),
  log,
});

if (ca && certificate && key) board.start(FIRMWARE_VERSION);
else {
  led.show("not-provisioned");
  log.event("BT110", { thing: settings.thing, ca: Boolean(ca), cert: Boolean(certificate), key: Boolean(key) });
}
