import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { LocalCa, type IssuedCertificate, type Validity } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import type { IotPolicy } from "../../../../host-tools/local-cloud/iot-core/IotPolicy.ts";
import { LocalIotCore, type IotCoreEvent } from "../../../../host-tools/local-cloud/iot-core/LocalIotCore.ts";
import type { TelemetryLakeOptions } from "../../../../host-tools/local-cloud/iot-core/TelemetryLake.ts";
import { ThingRegistry } from "../../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";
import type { MqttConnectionEvents } from "../../../../host-tools/board-sim/platform/MqttConnector.ts";
import { TlsMqttConnection } from "../../../../host-tools/board-sim/platform/TlsMqttConnection.ts";

/** The test's CA: each device certificate it issues is provisioned in the core's registry for its thing, as `aqm provision local` does. */
export type TestCa = Pick<LocalCa, "certPem" | "certDer" | "issueServerCertificate" | "issueDeviceCertificate">;

export function provisioningCa(ca: LocalCa, registry: ThingRegistry): TestCa {
  return {
    certPem: ca.certPem,
    certDer: ca.certDer,
    issueServerCertificate: (names) => ca.issueServerCertificate(names),
    issueDeviceCertificate: async (thing: string, validity?: Validity) => {
      const issued = await ca.issueDeviceCertificate(thing, validity);
      registry.provision(thing, issued.certPem);
      return issued;
    },
  };
}

/** Where a test core keeps its accepted-message log: beside the lake's prefixes, hidden as readers skip it. */
export function testAcceptedLog(lakeDir: string): string {
  return path.join(lakeDir, ".iot-core", "accepted.log");
}

/**
 * A local IoT Core on a free port with its CA (and the deployed device policy unless told
 * otherwise), and a way to connect boards to it over TLS. Its quotas count by the wall clock
 * unless `now` is given; `nextSecond()` moves the core's clock a second on, as a test that
 * connects one client ID again at once must: AWS takes one CONNECT a second per client ID.
 */
export async function startIotCore(
  options: { policy?: IotPolicy; lake?: TelemetryLakeOptions; listenBacklog?: number; registry?: ThingRegistry; now?: () => number } = {},
) {
  let ahead = 0;
  const nextSecond = (): void => {
    ahead += 1000;
  };
  const rawCa = await LocalCa.createEphemeral("test CA");
  const registry = options.registry ?? ThingRegistry.inMemory();
  const ca = provisioningCa(rawCa, registry);
  const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
  const { lake, registry: _registry, ...rest } = options;
  const core = new LocalIotCore({
    port: 0,
    caPem: ca.certPem,
    certPem: server.certPem,
    keyPem: server.keyPem,
    registry,
    now: () => Date.now() + ahead,
    ...rest,
    ...(lake ? { lake: { ...lake, acceptedLog: testAcceptedLog(lake.dir) } } : {}),
  });
  const events: IotCoreEvent[] = [];
  core.onEvent((event) => events.push(event));
  const { port } = await core.start();
  return { ca, rawCa, registry, core, events, port, nextSecond };
}

/** An mqtt.js client connected to the core as `thing`, with a certificate for that thing from the core's CA. */
export async function connectMqttJs(port: number, ca: TestCa, thing: string): Promise<MqttClient> {
  return connectMqttJsAs(port, ca.certPem, await ca.issueDeviceCertificate(thing), thing);
}

/** An mqtt.js client (MQTT 3.1.1, SNI localhost, no reconnects) connected to the core with the identity given, as client ID `thing`. */
export function connectMqttJsAs(
  port: number,
  caPem: string,
  identity: Pick<IssuedCertificate, "certPem" | "keyPem">,
  thing: string,
  extra: Partial<IClientOptions> = {},
): Promise<MqttClient> {
  return connectAsync({
    protocol: "mqtts",
    host: "127.0.0.1",
    port,
    servername: "localhost",
    protocolVersion: 4,
    clientId: thing,
    ca: caPem,
    cert: identity.certPem,
    key: identity.keyPem,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });
}

/** The files under `prefix` of a lake (readers' hidden files left out), by key, with their lines. */
export function lakeObjects(lakeDir: string, prefix: string): { key: string; lines: string[] }[] {
  const root = path.join(lakeDir, prefix);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return { key: path.relative(lakeDir, file).split(path.sep).join("/"), lines: readFileSync(file, "utf8").split("\n").filter(Boolean) };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

export interface Recorded {
  readonly controls: { operation: number; id: number; payload?: number[] }[];
  readonly messages: { topic: string; payload: string }[];
  readonly errors: { code: string; message: string }[];
  closes: number;
  readonly events: MqttConnectionEvents;
}

export function recorder(): Recorded {
  const recorded: Recorded = {
    controls: [],
    messages: [],
    errors: [],
    closes: 0,
    events: {
      onControl: (operation, id, payload) => recorded.controls.push(payload ? { operation, id, payload: [...payload] } : { operation, id }),
      onMessage: (topic, _qos, payload) => recorded.messages.push({ topic, payload: Buffer.from(payload).toString() }),
      onError: (code, message) => recorded.errors.push({ code, message }),
      onClose: () => {
        recorded.closes++;
      },
    },
  };
  return recorded;
}

export function connectBoard(port: number, ca: TestCa, identity: IssuedCertificate, clientId: string, recorded: Recorded): TlsMqttConnection {
  return new TlsMqttConnection(
    {
      host: "localhost",
      port,
      id: clientId,
      clean: true,
      keepAlive: 60_000,
      ca: ca.certDer,
      certificate: identity.certDer,
      key: identity.keyDer,
      protocolVersion: 0x303,
    },
    recorded.events,
    { address: "127.0.0.1" },
  );
}

export async function until(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
