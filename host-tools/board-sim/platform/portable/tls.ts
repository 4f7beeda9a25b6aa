import { HostCarriedSocket } from "./HostCarriedSocket.ts";
import { transportOf } from "./HostTransport.ts";

type SocketClass = new (options: Readonly<Record<string, unknown>>) => { close(): void };

interface TlsOptions {
  readonly [option: string]: unknown;
  readonly TCP?: { readonly io: SocketClass };
  readonly onReadable?: (count: number) => void;
  readonly onWritable?: (count: number) => void;
  readonly onError?: () => void;
}

/** What the SDK's TLS code throws (modules/crypt/ssl/ssl_error.js: a TLSError, name "TLS"). */
function tlsError(message: string): Error {
  const error = new Error(message);
  error.name = "TLS";
  return error;
}

/** The SDK's TLS socket reports this much room after the handshake: the TCP send buffer less its 96-byte estimate of TLS overhead. */
const WRITABLE_AFTER_HANDSHAKE = 5744 - 96;

/**
 * `embedded:io/socket/tcp/tls` under the host's MQTT connection, layered as the SDK's
 * (examples/io/tcp/tlssocket/tlssocket.js): it builds its TCP socket from `options.TCP.io` with the
 * options it was given, becomes writable once the handshake is done, calls `onError()` with no
 * argument, and on a TLS refusal throws out of its TCP socket's readable callback, as the SDK's TLS
 * code does on an alert ("alert: 2, 42") or on a broker certificate it does not trust.
 */
export default class TLSSocket extends HostCarriedSocket {
  readonly #socket: { close(): void };

  constructor(options: TlsOptions) {
    super();
    const transport = transportOf(options, "embedded:io/socket/tcp/tls");
    const TCP = options.TCP?.io;
    if (!TCP) throw new TypeError("the TLS socket needs TCP.io, the TCP socket class to run on");
    transport.attachTls({
      secured: this.whileOpen(() => options.onWritable?.(WRITABLE_AFTER_HANDSHAKE)),
    });
    this.#socket = new TCP({
      ...options,
      onReadable: () => {
        const refusal = transport.takeRefusal();
        if (refusal !== undefined) throw tlsError(refusal);
      },
      onWritable: () => {},
      onError: this.whileOpen(() => options.onError?.()),
    });
  }

  override close(): void {
    super.close();
    this.#socket.close();
  }
}
