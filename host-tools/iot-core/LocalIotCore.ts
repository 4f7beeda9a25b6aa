import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { AddressInfo } from "node:net";
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
  readonly #sockets = new Set<tls.TLSSocket>();

  constructor(options: LocalIotCoreOptions) {
    this.#options = options;
    this.#authorizer = options.authorizer ?? new TopicAuthorizer();
  }

  onEvent(listener: (event: IotCoreEvent) => void): void {
    this.#listeners.push(listener);
  }

  async start(): Promise<{ port: number }> {
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
    server.on("secureConnection", (socket) => {
      const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
      const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
      if (cn) this.#thingOfSocket.set(socket, cn);
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      broker.handle(socket);
    });
    // Node drops a client whose certificate fails verification without a TLS alert; the reason is
    // only on the socket, so it is reported here for the operator.
    server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      const verification = (socket as tls.TLSSocket & { authorizationError?: string }).authorizationError;
      const detail = verification ? `client certificate refused: ${verification}` : `TLS handshake failed: ${error.code ?? ""} ${error.message}`.trim();
      this.#emit({ kind: "refused", reason: "tls", detail });
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
    for (const socket of this.#sockets) socket.destroy();
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
