import { HostCarriedSocket } from "./HostCarriedSocket.ts";
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
export default class TCP extends HostCarriedSocket {
  constructor(options: TcpOptions) {
    super();
    transportOf(options, "embedded:io/socket/tcp").attachTcp({
      readable: this.whileOpen((count: number) => options.onReadable?.call(this, count)),
      error: this.whileOpen(() => options.onError?.call(this)),
    });
  }
}
