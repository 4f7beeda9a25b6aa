import type { ConnectionProbe } from "../session/ConnectionProbe";

/**
 * The `dns` and `socket` options the Moddable SDK's ECMA-419 MQTT client takes
 * (examples/io/tcp/mqttclient/mqttclient.js: `new options.dns.io(options.dns)`, then
 * `new options.socket.io({...options.socket, address, host, port, …})`), built by the board itself:
 * the SDK's ESP32 provider has no `device.network`, and examples/io/tcp/mqttsclient/config.js only
 * makes one by replacing `globalThis.device`. Each layer is wrapped so that one connection's
 * probe learns how far it got, which the client's argument-less `onError()` cannot say.
 */

type Callback = (this: unknown, count: number) => void;

export interface SocketOptions {
  readonly [option: string]: unknown;
  readonly onReadable?: Callback;
  readonly onWritable?: Callback;
  readonly onError?: (this: unknown) => void;
}

/** An ECMA-419 socket class: `embedded:io/socket/tcp`, `…/tcp/tls`, `…/udp`. */
export type SocketClass = new (options: SocketOptions) => object;

export interface ResolveRequest {
  readonly host: string;
  readonly onResolved?: (this: unknown, host: string, address: string) => void;
  readonly onError?: (this: unknown, host: string) => void;
}

/** `embedded:network/dns/resolver/udp`. */
export type ResolverClass = new (options: { readonly servers: readonly string[]; readonly socket: { readonly io: SocketClass } }) => {
  resolve(request: ResolveRequest): void;
  close(): void;
};

export interface MqttsModules {
  readonly TLSSocket: SocketClass;
  readonly TCP: SocketClass;
  readonly UDP: SocketClass;
  readonly Resolver: ResolverClass;
  /** DNS servers the resolver asks, in turn. */
  readonly dnsServers: readonly string[];
}

export interface MqttsTransport {
  readonly dns: { readonly io: ResolverClass; readonly servers: readonly string[]; readonly socket: { readonly io: SocketClass } };
  readonly socket: { readonly io: SocketClass; readonly secure: Readonly<Record<string, unknown>> };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The TCP socket the SDK's TLS socket runs on, with its callbacks guarded. The SDK's TLS code does
 * its handshake inside the TCP socket's callbacks and throws (ssl/alert: "alert: 2, 42") when the
 * broker refuses the board or the board refuses the broker; out of a native callback that exception
 * would abort the VM (xsEndHost → fxAbort) and restart the board. Caught here, it is noted and the
 * TLS socket is told the connection is over, so the client reports its error as for any failure.
 */
function guardedTcp(TCP: SocketClass, probe: ConnectionProbe, secured: () => boolean): SocketClass {
  return function GuardedTcp(options: SocketOptions): object {
    const onError = options.onError;
    const guard = (callback: Callback | undefined): Callback | undefined =>
      callback &&
      function (this: unknown, count: number): void {
        try {
          callback.call(this, count);
        } catch (error) {
          if (!secured()) probe.noteTlsError(errorText(error));
          onError?.call(this);
        }
      };
    return new TCP({ ...options, onReadable: guard(options.onReadable), onWritable: guard(options.onWritable) });
  } as unknown as SocketClass;
}

function probedTls(TLSSocket: SocketClass, TCP: SocketClass, probe: ConnectionProbe): SocketClass {
  return function ProbedTls(options: SocketOptions): object {
    const onWritable = options.onWritable;
    let secured = false;
    return new TLSSocket({
      ...options,
      TCP: { io: guardedTcp(TCP, probe, () => secured) },
      // The SDK's TLS socket calls onWritable only once its handshake is done.
      onWritable(this: unknown, count: number): void {
        if (!secured) {
          secured = true;
          probe.noteSecured();
        }
        onWritable?.call(this, count);
      },
    });
  } as unknown as SocketClass;
}

function probedResolver(Resolver: ResolverClass, probe: ConnectionProbe): ResolverClass {
  return function ProbedResolver(options: ConstructorParameters<ResolverClass>[0]): InstanceType<ResolverClass> {
    const resolver = new Resolver(options);
    return {
      resolve: (request: ResolveRequest): void =>
        resolver.resolve({
          host: request.host,
          onResolved(this: unknown, host: string, address: string): void {
            probe.noteResolved();
            request.onResolved?.call(this, host, address);
          },
          onError(this: unknown, host: string): void {
            probe.noteUnresolved();
            request.onError?.call(this, host);
          },
        }),
      close: (): void => resolver.close(),
    };
  } as unknown as ResolverClass;
}

/** The transport for one connection attempt, with `secure` the TLS options (CA, client certificate and key). */
export function mqttsTransport(modules: MqttsModules, secure: Readonly<Record<string, unknown>>, probe: ConnectionProbe): MqttsTransport {
  return {
    dns: { io: probedResolver(modules.Resolver, probe), servers: modules.dnsServers, socket: { io: modules.UDP } },
    socket: { io: probedTls(modules.TLSSocket, modules.TCP, probe), secure },
  };
}
