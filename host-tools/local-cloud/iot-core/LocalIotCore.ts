import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { AddressInfo, Socket } from "node:net";
import tls from "node:tls";
import { DEVICE_POLICY_FILE } from "../../../cloud/lib/iotFiles.ts";
import { AcceptedLog } from "./AcceptedLog.ts";
import { GuardedConnection } from "./GuardedConnection.ts";
import { PerSecondQuota } from "../../../firmware/session/PerSecondQuota.ts";
import {
  MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  effectiveKeepAlive,
  reservedTopicRefusal,
  topicRefusal,
} from "./IotCoreLimits.ts";
import { ShadowService } from "./ShadowService.ts";
import { IotPolicy, type IotPolicyContext, type PolicyDecision } from "./IotPolicy.ts";
import { TelemetryLake, type TelemetryLakeFigures, type TelemetryLakeOptions } from "./TelemetryLake.ts";
import type { Admission, ThingRegistry } from "./ThingRegistry.ts";

/** Why a client was refused: the layer that refused it. */
export type RefusalReason =
  | "tls"
  /** No Server Name Indication in the TLS ClientHello. */
  | "sni"
  /** The thing registry: certificate unknown, not ACTIVE, or not attached to the client ID's thing. */
  | "registry"
  | "client-id"
  | "publish"
  | "subscribe"
  | "receive"
  /** A packet over AWS's size limit, refused before it was read. */
  | "too-large"
  /** QoS 2, which AWS IoT Core does not support. */
  | "qos-2"
  /** Malformed MQTT: a topic that is not UTF-8, holds NUL, or breaks AWS's topic limits. */
  | "malformed"
  /** A SUBSCRIBE of more topic filters than AWS takes in one request; the connection is closed. */
  | "too-many-filters"
  /** A subscription beyond the connection's quota: a failure in its SUBACK, the connection stays. */
  | "subscription-quota"
  /** A PUBLISH beyond the connection's per-second quota: discarded unread, no PUBACK, the connection stays. */
  | "publish-quota"
  /** A second CONNECT for one client ID within a second: closed without a CONNACK. */
  | "connect-quota";

export type IotCoreEvent =
  | { readonly kind: "connected"; readonly thing: string; readonly keepAliveS: number }
  | { readonly kind: "refused"; readonly reason: RefusalReason; readonly thing?: string; readonly detail: string }
  /** A TLS connection that ended before any MQTT CONNECT, without a refusal (a port probe, a client that gave up). */
  | { readonly kind: "closed-before-connect"; readonly detail: string }
  /** At start, messages acknowledged in an earlier run and not yet in the lake went through the rule again. */
  | { readonly kind: "replayed"; readonly messages: number }
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
  readonly lake?: TelemetryLakeOptions & {
    /**
     * The append-only log each QoS 1 PUBLISH the rule reads is fsynced to before its PUBACK, until
     * the lake holds it; a core started on the same log delivers what an earlier one acknowledged.
     */
    readonly acceptedLog: string;
  };
  /** Things and their certificates: a connection is refused unless its certificate is registered, ACTIVE and attached to the client ID's thing. */
  readonly registry: ThingRegistry;
  /** The TCP listen backlog: room for a whole fleet connecting at once (a twin's boards at start). */
  readonly listenBacklog?: number;
  /** The clock, in milliseconds, AWS's per-second quotas are counted by: Date.now unless a test holds time still. */
  readonly now?: () => number;
}

/** Enough for well over 1,000 boards connecting in the same instant. */
const DEFAULT_LISTEN_BACKLOG = 4096;

/** What the core knows of a connection from its TLS handshake and its CONNECT. */
interface Peer {
  readonly certDer: Uint8Array;
  /** The registry thing the certificate is attached to and the client ID names; set once CONNECT is admitted. */
  thing?: string;
  /** The keep-alive the core holds the client to (AWS's range), from its CONNECT. */
  keepAliveS?: number;
  /** The topic filters the connection holds, against AWS's quota per connection. */
  readonly subscriptions: Set<string>;
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

type PolicyAction = "iot:Connect" | "iot:Publish" | "iot:RetainPublish" | "iot:Subscribe" | "iot:Receive";

/** What a client that closes right after its handshake, or a port probe, leaves in Node's TLS server: not a refusal. */
const CLOSED_EARLY = new Set(["ECONNRESET", "EPIPE", "ERR_SSL_UNEXPECTED_EOF_WHILE_READING"]);

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
  readonly #now: () => number;
  /** Each client ID's recent CONNECTs, against AWS's quota per client ID; one that has spent its second is forgotten. */
  readonly #connectsByClientId = new Map<string, PerSecondQuota>();
  readonly #policy: IotPolicy;
  readonly #listeners: ((event: IotCoreEvent) => void)[] = [];
  readonly #peers = new WeakMap<object, Peer>();
  #broker: Aedes | undefined;
  #server: tls.Server | undefined;
  /** Every TCP connection, including those still in the TLS handshake, so `stop()` need not wait for any. */
  readonly #connections = new Set<Socket>();
  readonly #lake: TelemetryLake | undefined;
  #acceptedLog: AcceptedLog | undefined;

  /** The Device Shadow service, for host tools that set desired state (the cloud's side). */
  readonly shadows: ShadowService | undefined;

  constructor(options: LocalIotCoreOptions) {
    const backlog = options.listenBacklog;
    if (backlog !== undefined && !(Number.isInteger(backlog) && backlog > 0))
      throw new Error(`the local IoT Core's listenBacklog must be a whole number of connections above 0, got ${String(backlog)}`);
    this.#options = options;
    this.#now = options.now ?? Date.now;
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
    if (this.#options.lake) await this.#replay(this.#options.lake.acceptedLog);
    const broker = await Aedes.createBroker({
      preConnect: (client, packet, callback) => {
        const quotaRefusal = this.#connectQuotaRefusal(packet.clientId);
        if (quotaRefusal) {
          this.#emit({ kind: "refused", reason: "connect-quota", detail: quotaRefusal });
          // An error, not a plain "no": aedes then closes the connection rather than leaving it open without a CONNACK.
          return callback(new Error(quotaRefusal), false);
        }
        // AWS holds every client to a keep-alive from 30 s to 1200 s, whatever it asked for.
        packet.keepalive = effectiveKeepAlive(packet.keepalive ?? 0);
        const peer = this.#peerOf(client);
        if (peer) peer.keepAliveS = packet.keepalive;
        callback(null, true);
      },
      authenticate: (client, _username, _password, done) => {
        const refuse = (reason: RefusalReason, detail: string): void => {
          const thing = this.#peerOf(client)?.thing;
          this.#emit({ kind: "refused", reason, ...(thing ? { thing } : {}), detail });
          const error = new Error("connection not authorised") as AuthenticateError;
          error.returnCode = NOT_AUTHORIZED;
          done(error, false);
        };
        const peer = this.#peerOf(client);
        if (!peer) return refuse("tls", "the connection has no client certificate");
        let admission: Admission;
        try {
          admission = this.#options.registry.admit(peer.certDer, client.id);
        } catch (error) {
          // aedes calls this from its own callbacks: a throw would end the process for every board, not refuse this one.
          return refuse("registry", `client ID "${client.id}": ${(error as Error).message}`);
        }
        if (!admission.admitted) return refuse("registry", `client ID "${client.id}": ${admission.reason}`);
        peer.thing = admission.thing;
        const refusal = this.#check(client, "iot:Connect", `client/${client.id}`);
        if (refusal !== undefined) return refuse("client-id", refusal);
        const willRefusal = this.#willRefusal(client);
        if (willRefusal) return refuse(willRefusal.reason, willRefusal.detail);
        done(null, true);
      },
      authorizePublish: (client, packet, callback) => {
        const refusal = client
          ? this.#publishRefusal(client, packet.topic, packet.retain)
          : { reason: "publish" as const, detail: `a publish to "${packet.topic}" came from no client` };
        if (refusal !== undefined) {
          const thing = client ? this.#peerOf(client)?.thing : undefined;
          this.#emit({ kind: "refused", reason: refusal.reason, ...(thing ? { thing } : {}), detail: refusal.detail });
          callback(new Error(`publish to ${packet.topic} not authorised`));
          return;
        }
        const payload = new Uint8Array(packet.payload as Buffer);
        this.#accept(client!.id, packet.topic, payload, packet.qos).then(
          () => callback(null),
          (error: Error) => callback(error),
        );
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const thing = this.#peerOf(client)?.thing;
        // AWS sends no SUBACK for QoS 2; the client is dropped rather than granted something it did not ask for.
        if (subscription.qos === 2) {
          this.#emit({
            kind: "refused",
            reason: "qos-2",
            ...(thing ? { thing } : {}),
            detail: `SUBSCRIBE to "${subscription.topic}" at QoS 2: AWS IoT Core supports QoS 0 and 1 only and sends no SUBACK for it`,
          });
          callback(new Error(`subscribe to ${subscription.topic} at QoS 2 not supported`));
          return;
        }
        // As on AWS, the filter's `+` and `#` are plain characters the topicfilter resource must match.
        const refusal = topicRefusal(subscription.topic, "topic filter") ?? this.#check(client, "iot:Subscribe", `topicfilter/${subscription.topic}`);
        if (refusal !== undefined) {
          this.#emit({ kind: "refused", reason: "subscribe", ...(thing ? { thing } : {}), detail: refusal });
          callback(new Error(`subscribe to ${subscription.topic} not authorised`));
          return;
        }
        const held = this.#peerOf(client)?.subscriptions;
        if (held && !held.has(subscription.topic) && held.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          this.#emit({
            kind: "refused",
            reason: "subscription-quota",
            ...(thing ? { thing } : {}),
            detail: `SUBSCRIBE to "${subscription.topic}": the connection already holds AWS IoT Core's ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions; failure (0x80) in the SUBACK`,
          });
          // aedes answers a null subscription with 0x80 in the SUBACK and keeps the connection.
          callback(null, null);
          return;
        }
        held?.add(subscription.topic);
        callback(null, subscription);
      },
      // A subscription admits a message only if the subscriber may also receive its topic (iot:Receive), checked at each delivery as AWS does.
      authorizeForward: (client, packet) => {
        const refusal = this.#check(client, "iot:Receive", `topic/${packet.topic}`);
        if (refusal === undefined) return packet;
        const thing = this.#peerOf(client)?.thing;
        this.#emit({ kind: "refused", reason: "receive", ...(thing ? { thing } : {}), detail: refusal });
        return null;
      },
    });
    broker.on("clientReady", (client: Client) => this.#emit({ kind: "connected", thing: client.id, keepAliveS: this.#peerOf(client)?.keepAliveS ?? 0 }));
    broker.on("clientDisconnect", (client: Client) => this.#emit({ kind: "disconnected", thing: client.id }));
    broker.on("unsubscribe", (filters: string[], client: Client) => {
      const held = this.#peerOf(client)?.subscriptions;
      for (const filter of filters) held?.delete(filter);
    });
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
      // AWS IoT Core refuses a connection without SNI: it names the endpoint the client means.
      if (!socket.servername) {
        this.#emit({ kind: "refused", reason: "sni", detail: "the TLS ClientHello carries no Server Name Indication; AWS IoT Core refuses such a connection" });
        socket.destroy();
        return;
      }
      let began = false;
      const refused = (reason: RefusalReason, detail: string): void => {
        const thing = this.#peers.get(connection)?.thing;
        this.#emit({ kind: "refused", reason, ...(thing ? { thing } : {}), detail });
      };
      const connection = new GuardedConnection(socket, {
        now: this.#now,
        onRefused: (refusal) => refused(refusal.reason, refusal.detail),
        onDiscarded: (detail) => refused("publish-quota", detail),
      });
      socket.once("data", () => (began = true));
      socket.once("close", () => {
        if (!began) this.#emit({ kind: "closed-before-connect", detail: "a client completed the TLS handshake and closed without sending MQTT CONNECT" });
      });
      this.#peers.set(connection, { certDer: new Uint8Array(socket.getPeerCertificate().raw), subscriptions: new Set() });
      broker.handle(connection);
    });
    // Node drops a client whose certificate fails verification without sending a TLS alert, so
    // the client cannot tell why; the reason is reported here for the operator.
    server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      if (!socket.authorizationError && error.code !== undefined && CLOSED_EARLY.has(error.code)) {
        this.#emit({ kind: "closed-before-connect", detail: `the client closed during the TLS handshake (${error.code})` });
        return;
      }
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
      server.listen({ port, host, backlog: this.#options.listenBacklog ?? DEFAULT_LISTEN_BACKLOG }, () => resolve());
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
    await this.#acceptedLog?.close();
    this.#acceptedLog = undefined;
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

  /** Opens the accepted-message log and sends what an earlier run acknowledged, and the lake does not hold, through the rule. */
  async #replay(file: string): Promise<void> {
    const { log, pending } = await AcceptedLog.open(file);
    this.#acceptedLog = log;
    for (const message of pending) this.#toLake(message.clientId, message.topic, message.payload, message.receivedAt, message.id);
    if (pending.length > 0) this.#emit({ kind: "replayed", messages: pending.length });
  }

  /**
   * Takes a PUBLISH the policy allowed. A QoS 1 message the rule reads is first made durable in
   * the accepted-message log: the broker acknowledges it only once this resolves.
   */
  async #accept(clientId: string, topic: string, payload: Uint8Array, qos: number): Promise<void> {
    const lake = this.#lake;
    if (!lake?.reads(topic)) return;
    const receivedAt = Date.now();
    const log = this.#acceptedLog;
    const id = qos > 0 && log ? await log.append({ topic, clientId, payload, receivedAt }) : undefined;
    this.#toLake(clientId, topic, payload, receivedAt, id);
  }

  /** Runs the telemetry rule for a PUBLISH, as AWS's rules engine runs after the broker; a logged one is marked delivered once the lake holds it. */
  #toLake(thing: string, topic: string, payload: Uint8Array, receivedAt: number, logId: string | undefined): void {
    const lake = this.#lake;
    const log = this.#acceptedLog;
    const outcome = lake?.message(topic, thing, payload, { receivedAt, ...(logId !== undefined && log ? { written: () => log.delivered(logId) } : {}) });
    if (outcome?.kind === "delivered") this.#emit({ kind: "delivered", thing, topic, payload });
    else if (lake && outcome?.kind === "undelivered")
      this.#emit({ kind: "undelivered", rule: lake.ruleName, thing, topic, detail: outcome.detail, recorded: outcome.recorded });
  }

  /** Why a client may not publish this, or undefined: the topic's limits, the reserved topics, and the policy (iot:RetainPublish too for a retained one). */
  #publishRefusal(client: Client, topic: string, retain: boolean): { reason: RefusalReason; detail: string } | undefined {
    const limit = topicRefusal(topic, "topic");
    if (limit) return { reason: "malformed", detail: limit };
    const reserved = reservedTopicRefusal(topic);
    if (reserved) return { reason: "publish", detail: reserved };
    const refusal = this.#check(client, "iot:Publish", `topic/${topic}`) ?? (retain ? this.#check(client, "iot:RetainPublish", `topic/${topic}`) : undefined);
    return refusal === undefined ? undefined : { reason: "publish", detail: retain ? `retained PUBLISH: ${refusal}` : refusal };
  }

  /**
   * Why this CONNECT is over AWS's quota for its client ID, or undefined. It is checked before the
   * registry and the policy, so a CONNECT they refuse counts too; one this quota refuses does not.
   */
  #connectQuotaRefusal(clientId: string): string | undefined {
    const now = this.#now();
    // Kept in the order of their last admitted CONNECT, so the forgettable ones are at the front.
    for (const [id, quota] of this.#connectsByClientId) {
      if (quota.readyAt() > now) break;
      this.#connectsByClientId.delete(id);
    }
    const quota = this.#connectsByClientId.get(clientId) ?? new PerSecondQuota(MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID);
    if (quota.admit(now)) {
      this.#connectsByClientId.delete(clientId);
      this.#connectsByClientId.set(clientId, quota);
      return undefined;
    }
    return `client ID "${clientId}" connected less than a second ago: AWS IoT Core takes ${MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID} CONNECT per second for one client ID`;
  }

  /** A will is a publish the broker makes for the client later, so it is checked as one now, as AWS does at CONNECT. */
  #willRefusal(client: Client): { reason: RefusalReason; detail: string } | undefined {
    const will = (client as Client & { _will?: { topic: string; qos: number; retain: boolean } })._will;
    if (!will) return undefined;
    if (will.qos === 2) return { reason: "qos-2", detail: `will on "${will.topic}" at QoS 2: AWS IoT Core supports QoS 0 and 1 only` };
    const refusal = this.#publishRefusal(client, will.topic, will.retain);
    return refusal && { reason: refusal.reason, detail: `will: ${refusal.detail}` };
  }

  #peerOf(client: Client): Peer | undefined {
    return this.#peers.get(client.conn as object);
  }

  /** The connection as the policy sees it: the thing the registry has its certificate attached to, if any. */
  #contextOf(client: Client): IotPolicyContext {
    const thingName = this.#peerOf(client)?.thing;
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
