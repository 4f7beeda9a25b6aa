import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { AddressInfo, Socket } from "node:net";
import tls from "node:tls";
import { TopicAuthorizer } from "./TopicAuthorizer.ts";

export type IotCoreEvent =
  | { readonly kind: "connected"; readonly thing: string }
  | { readonly kind: "refused"; readonly reason: "tls" | "client-id" | "publish" | "subscribe"; readonly thing?: string; readonly detail: string }
  | { readonly kind: "message"; readonly thing: string; readonly topic: string; readonly payload: Uint8Array; readonly qos: number }
  | { readonly kind: "disconnected"; readonly thing: string };

export interface LocalIotCoreOptions {
  readonly host?: string;
  /** 8883 as AWS IoT Core; 0 picks a free port (tests). */
  readonly port?: number;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly authorizer?: TopicAuthorizer;
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

/**
 * A local stand-in for AWS IoT Core: an aedes MQTT broker behind a TLS server that requires a
 * client certificate signed by the local CA. As on AWS, the client ID must be the thing the
 * certificate names (its subject CN), and each thing may use only its own topics. Every refusal is
 * reported as an event with its reason.
 */
export class LocalIotCore {
  readonly #options: LocalIotCoreOptions;
  readonly #authorizer: TopicAuthorizer;
  readonly #listeners: ((event: IotCoreEvent) => void)[] = [];
  readonly #thingOfSocket = new WeakMap<object, string>();
  #broker: Aedes | undefined;
  #server: tls.Server | undefined;
  /** Every TCP connection, including those still in the TLS handshake, so `stop()` need not wait for any. */
  readonly #connections = new Set<Socket>();

  constructor(options: LocalIotCoreOptions) {
    this.#options = options;
    this.#authorizer = options.authorizer ?? new TopicAuthorizer();
  }

  onEvent(listener: (event: IotCoreEvent) => void): void {
    this.#listeners.push(listener);
  }

  async start(): Promise<{ port: number }> {
    if (this.#server) throw new Error("the local IoT Core is already started; stop() it before starting it again");
    const broker = await Aedes.createBroker({
      authenticate: (client, _username, _password, done) => {
        const thing = this.#thingOf(client);
        if (thing !== undefined && client.id === thing) {
          done(null, true);
          return;
        }
        this.#emit({ kind: "refused", reason: "client-id", ...(thing ? { thing } : {}), detail: `client ID "${client.id}" is not the certificate's thing "${thing ?? "?"}"` });
        const error = new Error("client ID does not match the certificate") as AuthenticateError;
        error.returnCode = NOT_AUTHORIZED;
        done(error, false);
      },
      authorizePublish: (client, packet, callback) => {
        const thing = client ? this.#thingOf(client) : undefined;
        if (client && thing && this.#authorizer.mayPublish(thing, packet.topic)) {
          callback(null);
          return;
        }
        this.#emit({ kind: "refused", reason: "publish", ...(thing ? { thing } : {}), detail: `publish to "${packet.topic}" is not allowed for ${thing ?? "an unknown client"}` });
        callback(new Error(`publish to ${packet.topic} not authorised`));
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const thing = this.#thingOf(client);
        if (thing && this.#authorizer.maySubscribe(thing, subscription.topic)) {
          callback(null, subscription);
          return;
        }
        this.#emit({ kind: "refused", reason: "subscribe", ...(thing ? { thing } : {}), detail: `subscribe to "${subscription.topic}" is not allowed for ${thing ?? "an unknown client"}` });
        callback(new Error(`subscribe to ${subscription.topic} not authorised`));
      },
    });
    broker.on("clientReady", (client: Client) => this.#emit({ kind: "connected", thing: client.id }));
    broker.on("clientDisconnect", (client: Client) => this.#emit({ kind: "disconnected", thing: client.id }));
    broker.on("publish", (packet, client) => {
      if (!client) return;
      this.#emit({ kind: "message", thing: client.id, topic: packet.topic, payload: new Uint8Array(packet.payload as Buffer), qos: packet.qos });
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
      server.listen(port, host, () => resolve());
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
  }

  #thingOf(client: Client): string | undefined {
    return this.#thingOfSocket.get(client.conn as object);
  }

  #emit(event: IotCoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
