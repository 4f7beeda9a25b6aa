import { transportOf } from "./HostTransport.ts";

interface TcpOptions {
  readonly [option: string]: unknown;
  readonly onReadable?: (this: TCP, count: number) => void;
  readonly onWritable?: (this: TCP, count: number) => void;
  readonly onError?: (this: TCP) => void;
}

/**
 * ECMA-419 `embedded:io/socket/tcp` under the host's MQTT connection: the socket the SDK's TLS
 * socket runs on. Its callbacks fire as the SDK's lwIP TCP fires them (modules/io/socket/lwip/tcp.c:
 * `onError()` with no argument), and an exception out of one is not caught here, as it is not
 * there (xsEndHost aborts the VM).
 */
export default class TCP {
  readonly #transport;
  #closed = false;

  constructor(options: TcpOptions) {
    this.#transport = transportOf(options, "embedded:io/socket/tcp");
    this.#transport.attachTcp({
      readable: (count) => {
        if (!this.#closed) options.onReadable?.call(this, count);
      },
      error: () => {
        if (!this.#closed) options.onError?.call(this);
      },
    });
  }

  read(): never {
    throw new Error("the host's MQTT connection carries this socket's bytes");
  }

  write(): never {
    throw new Error("the host's MQTT connection carries this socket's bytes");
  }

  close(): void {
    this.#closed = true;
  }
}
