import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { AddressInfo, Socket } from "node:net";
import tls from "node:tls";
import { DEVICE_POLICY_FILE } from "../../../cloud/lib/iotFiles.ts";
import { ShadowService } from "./ShadowService.ts";
import { IotPolicy, type IotPolicyContext, type PolicyDecision } from "./IotPolicy.ts";
import { TelemetryLake, type TelemetryLakeFigures, type TelemetryLakeOptions } from "./TelemetryLake.ts";

export type IotCoreEvent =
  | { readonly kind: "connected"; readonly thing: string }
  | { readonly kind: "refused"; readonly reason: "tls" | "client-id" | "publish" | "subscribe" | "receive"; readonly thing?: string; readonly detail: string }
  | { readonly kind: "message"; readonly thing: string; readonly topic: string; readonly payload: Uint8Array; readonly qos: number }
  | { readonly kind: "disconnected"; readonly thing: string }
  /** The telemetry rule handed the message's record to the lake's Firehose. */
  | { readonly kind: "delivered"; readonly thing: string; readonly topic: string; readonly payload: Uint8Array }
  /** The telemetry rule could not deliver the message; `recorded`: its error record is in the lake's errors/. */
  | {
      readonly kind: "undelivered";
      readonly rule: string;
      readonly thing: string;
      readonly topic: string;
      readonly detail: string;
      readonly recorded: boolean;
    };

export interface LocalIotCoreOptions {
  readonly host?: string;
  /** 8883 as AWS IoT Core; 0 picks a free port (tests). */
  readonly port?: number;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** What each thing may do; by default the device policy the cloud stack deploys (cloud/iot/device-policy.json). */
  readonly policy?: IotPolicy;
  /** The region and account the policy's ARNs are evaluated in; `${AWS::Region}` and `${AWS::AccountId}` take these values. */
  readonly region?: string;
  readonly accountId?: string;
  /**
   * The state folder whose `shadows/` keeps the Device Shadows; with it the core answers the
   * reserved shadow topics as AWS IoT Core does. Without it shadow requests go unanswered.
   */
  readonly shadowStateDir?: string;
  /**
   * The lake the telemetry topic rule the cloud deploys (cloud/iot/telemetry-rule.json) delivers
   * to, through a local Firehose, as AWS IoT Core's rules engine does. Without it no rule runs.
   */
  readonly lake?: TelemetryLakeOptions;
  /** The listen backlog: connections the kernel queues before the core accepts them. Node's default (511) overflows when a large fleet connects at once. */
  readonly listenBacklog?: number;
}

const NOT_AUTHORIZED = 5;

/** OpenSSL's verification codes an operator meets most, in words; others are shown as they are. */
const VERIFICATION_FAILURES = new Map([
  ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "not signed by the CA this IoT Core trusts"],
  ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "not signed by the CA this IoT Core trusts"],
  ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed, not issued by the CA this IoT Core trusts"],
  ["CERT_HAS_EXPIRED", "expired"],
  ["CERT_NOT_YET_VALID", "not valid yet"],
]);

/** Why the TLS server dropped a client, for the refusal event. */
function describeTlsRefusal(socket: tls.TLSSocket, error: NodeJS.ErrnoException): string {
  // Node checks the client certificate only after the handshake and leaves its verdict here.
  const verdict: unknown = socket.authorizationError;
  if (!verdict) return `TLS handshake failed: ${error.code ? `${error.code} ` : ""}${error.message}`;
  const words = VERIFICATION_FAILURES.get(String(verdict));
  return `client certificate refused: ${String(verdict)}${words ? ` (${words})` : ""}`;
}

/** Where the local twin's ARNs live: no real region or account, but the same ARN shape the policy's resources are written for. */
const LOCAL_REGION = "local";
const LOCAL_ACCOUNT_ID = "000000000000";

type PolicyAction = "iot:Connect" | "iot:Publish" | "iot:Subscribe" | "iot:Receive";

/** MQTT's rules for a topic name one publishes to, as a broker enforces them for its clients. */
function checkTopicName(topic: string): void {
  if (topic.length === 0) throw new Error("cannot publish to an empty topic");
  if (/[+#\u0000]/.test(topic)) throw new Error(`cannot publish to "${topic}": a topic name may not contain "+", "#" or NUL (those are for subscriptions)`);
}

/**
 * A local stand-in for AWS IoT Core: an aedes MQTT broker behind a TLS server that requires a
 * client certificate signed by the local CA. The certificate's subject CN is the thing it is
 * attached to, and every connect, publish, subscribe and delivery is checked against an IoT
 * policy evaluated as AWS evaluates it, by default the very policy the cloud stack deploys.
 * Every refusal is reported as an event with its reason. Given a lake, every accepted PUBLISH also
 * goes through the cloud's telemetry rule into it.
 */
export class LocalIotCore {
  readonly #options: LocalIotCoreOptions;
  readonly #policy: IotPolicy;
  readonly #listeners: ((event: IotCoreEvent) => void)[] = [];
  readonly #thingOfSocket = new WeakMap<object, string>();
  #broker: Aedes | undefined;
  #server: tls.Server | undefined;
  /** Every TCP connection, including those still in the TLS handshake, so `stop()` need not wait for any. */
  readonly #connections = new Set<Socket>();
  readonly #lake: TelemetryLake | undefined;

  /** The Device Shadow service, for host tools that set desired state (the cloud's side). */
  readonly shadows: ShadowService | undefined;

  constructor(options: LocalIotCoreOptions) {
    this.#options = options;
    this.#policy = options.policy ?? IotPolicy.load(DEVICE_POLICY_FILE);
    this.shadows =
      options.shadowStateDir === undefined
        ? undefined
        : new ShadowService({
            stateDir: options.shadowStateDir,
            // A board that is not connected misses the answer, as on AWS; it asks again with get when it connects.
            publish: (topic, payload) => void this.publish(topic, payload, 1).catch(() => undefined),
            now: () => Date.now(),
          });
    this.#lake = options.lake === undefined ? undefined : new TelemetryLake(options.lake);
  }

  get policy(): IotPolicy {
    return this.#policy;
  }

  /** What the telemetry rule and its Firehose have done so far; undefined for a core without a lake. */
  get lake(): TelemetryLakeFigures | undefined {
    return this.#lake?.figures;
  }

  onEvent(listener: (event: IotCoreEvent) => void): void {
    this.#listeners.push(listener);
  }

  async start(): Promise<{ port: number }> {
    if (this.#server) throw new Error("the local IoT Core is already started; stop() it before starting it again");
    if (this.#lake?.closed)
      throw new Error(`the local IoT Core's lake ${this.#lake.figures.dir} was closed by stop(); create a new LocalIotCore to start again`);
    const broker = await Aedes.createBroker({
      authenticate: (client, _username, _password, done) => {
        const refusal = this.#check(client, "iot:Connect", `client/${client.id}`);
        if (refusal === undefined) {
          done(null, true);
          return;
        }
        const thing = this.#thingOf(client);
        const hint = thing !== undefined && client.id !== thing ? `; the client ID must be the certificate's thing "${thing}"` : "";
        this.#emit({ kind: "refused", reason: "client-id", ...(thing ? { thing } : {}), detail: `${refusal}${hint}` });
        const error = new Error("connection not authorised by the IoT policy") as AuthenticateError;
        error.returnCode = NOT_AUTHORIZED;
        done(error, false);
      },
      authorizePublish: (client, packet, callback) => {
        const refusal = client ? this.#check(client, "iot:Publish", `topic/${packet.topic}`) : `a publish to "${packet.topic}" came from no client`;
        if (refusal === undefined) {
          callback(null);
          return;
        }
        const thing = client ? this.#thingOf(client) : undefined;
        this.#emit({ kind: "refused", reason: "publish", ...(thing ? { thing } : {}), detail: refusal });
        callback(new Error(`publish to ${packet.topic} not authorised`));
      },
      authorizeSubscribe: (client, subscription, callback) => {
        // As on AWS, the filter's `+` and `#` are plain characters the topicfilter resource must match.
        const refusal = this.#check(client, "iot:Subscribe", `topicfilter/${subscription.topic}`);
        if (refusal === undefined) {
          callback(null, subscription);
          return;
        }
        const thing = this.#thingOf(client);
        this.#emit({ kind: "refused", reason: "subscribe", ...(thing ? { thing } : {}), detail: refusal });
        callback(new Error(`subscribe to ${subscription.topic} not authorised`));
      },
      // A subscription admits a message only if the subscriber may also receive its topic (iot:Receive), checked at each delivery as AWS does.
      authorizeForward: (client, packet) => {
        const refusal = this.#check(client, "iot:Receive", `topic/${packet.topic}`);
        if (refusal === undefined) return packet;
        const thing = this.#thingOf(client);
        this.#emit({ kind: "refused", reason: "receive", ...(thing ? { thing } : {}), detail: refusal });
        return null;
      },
    });
    broker.on("clientReady", (client: Client) => this.#emit({ kind: "connected", thing: client.id }));
    broker.on("clientDisconnect", (client: Client) => this.#emit({ kind: "disconnected", thing: client.id }));
    broker.on("publish", (packet, client) => {
      if (!client) return;
      const payload = new Uint8Array(packet.payload as Buffer);
      this.#emit({ kind: "message", thing: client.id, topic: packet.topic, payload, qos: packet.qos });
      if (this.shadows && packet.topic.startsWith("$aws/things/")) {
        try {
          this.shadows.message(client.id, packet.topic, payload);
        } catch (error) {
          this.#emit({ kind: "refused", reason: "publish", thing: client.id, detail: `shadow request on "${packet.topic}": ${(error as Error).message}` });
        }
      }
      this.#toLake(client.id, packet.topic, payload);
    });
    const server = tls.createServer({
      key: this.#options.keyPem,
      cert: this.#options.certPem,
      ca: [this.#options.caPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    });
    server.on("connection", (connection: Socket) => {
      this.#connections.add(connection);
      connection.on("close", () => this.#connections.delete(connection));
    });
    server.on("secureConnection", (socket) => {
      const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
      const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
      if (cn) this.#thingOfSocket.set(socket, cn);
      broker.handle(socket);
    });
    // Node drops a client whose certificate fails verification without sending a TLS alert, so
    // the client cannot tell why; the reason is reported here for the operator.
    server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      this.#emit({ kind: "refused", reason: "tls", detail: describeTlsRefusal(socket, error) });
    });
    const host = this.#options.host ?? "127.0.0.1";
    const port = this.#options.port ?? 8883;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        void broker.close();
        reject(
          error.code === "EADDRINUSE"
            ? new Error(`${host}:${port} is already in use (another local IoT Core or MQTT broker?); choose another port with --port`)
            : error,
        );
      });
      server.listen(port, host, this.#options.listenBacklog, () => resolve());
    });
    this.#broker = broker;
    this.#server = server;
    return { port: (server.address() as AddressInfo).port };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const broker = this.#broker;
    this.#server = undefined;
    this.#broker = undefined;
    for (const connection of this.#connections) connection.destroy();
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    // Only once the broker is closed can no message reach the rule after the Firehose's last write.
    await this.#lake?.close();
  }

  /**
   * Publishes as the IoT Core itself (as AWS's own services, such as Device Shadow, do): no
   * policy governs the publisher, but each subscriber still receives it only if it may (iot:Receive).
   * Resolves once the message is handed to every matching subscription.
   */
  publish(topic: string, payload: Uint8Array | string, qos: 0 | 1 = 0): Promise<void> {
    const broker = this.#broker;
    if (!broker) return Promise.reject(new Error(`cannot publish to "${topic}": the local IoT Core is not started`));
    try {
      checkTopicName(topic);
    } catch (error) {
      return Promise.reject(error);
    }
    const bytes = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return new Promise((resolve, reject) => {
      broker.publish({ cmd: "publish", topic, payload: bytes, qos, retain: false, dup: false }, (error) => {
        if (error) reject(new Error(`cannot publish to "${topic}": ${error.message}`));
        else resolve();
      });
    });
  }

  /** Runs the telemetry rule for a PUBLISH already acknowledged, as AWS's rules engine runs after the broker. */
  #toLake(thing: string, topic: string, payload: Uint8Array): void {
    const lake = this.#lake;
    const outcome = lake?.message(topic, thing, payload);
    if (outcome?.kind === "delivered") this.#emit({ kind: "delivered", thing, topic, payload });
    else if (lake && outcome?.kind === "undelivered")
      this.#emit({ kind: "undelivered", rule: lake.ruleName, thing, topic, detail: outcome.detail, recorded: outcome.recorded });
  }

  #thingOf(client: Client): string | undefined {
    return this.#thingOfSocket.get(client.conn as object);
  }

  /** The connection as the policy sees it: the local CA issues a certificate for one thing only, named in its CN, so that thing is the one attached. */
  #contextOf(client: Client): IotPolicyContext {
    const thingName = this.#thingOf(client);
    return {
      clientId: client.id,
      ...(thingName !== undefined ? { thingName } : {}),
      region: this.#options.region ?? LOCAL_REGION,
      accountId: this.#options.accountId ?? LOCAL_ACCOUNT_ID,
    };
  }

  /** Undefined when the policy allows the request; otherwise why not, for the refusal event. */
  #check(client: Client, action: PolicyAction, resource: string): string | undefined {
    const context = this.#contextOf(client);
    const decision = this.#policy.decide(action, resource, context);
    if (decision.allowed) return undefined;
    const who = context.thingName !== undefined ? `thing "${context.thingName}"` : "a certificate with no thing";
    return `${action} on ${resource} is not allowed for ${who} (client ID "${client.id}"): ${this.#why(decision)}`;
  }

  #why(decision: PolicyDecision): string {
    return decision.statement !== undefined
      ? `denied by statement "${decision.statement}" of ${this.#policy.source}`
      : `no statement of ${this.#policy.source} allows it`;
  }

  #emit(event: IotCoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
