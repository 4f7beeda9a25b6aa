/**
 * One host MQTT connection's transport, seen by the TCP and TLS sockets the host's MQTT client
 * builds from the options the firmware gave it, as the SDK's client does. TLS and MQTT run on the
 * host (TlsMqttConnection), so these sockets carry no bytes; what they report is what the SDK's
 * would at the same point: the handshake finishing (the TLS socket becomes writable), a TLS
 * refusal (bytes arrive on TCP and the TLS layer throws while handling them), the connection dropping.
 */
export class HostTransport {
  #tcp: { readable(count: number): void; error(): void } | undefined;
  #tls: { secured(): void } | undefined;
  #refusal: string | undefined;

  attachTcp(tcp: { readable(count: number): void; error(): void }): void {
    this.#tcp = tcp;
  }

  attachTls(tls: { secured(): void }): void {
    this.#tls = tls;
  }

  detach(): void {
    this.#tcp = undefined;
    this.#tls = undefined;
  }

  secure(): void {
    this.#tls?.secured();
  }

  /** A TLS alert's record is 7 bytes: 5 of header, level and description. */
  refuse(reason: string): void {
    this.#refusal = reason;
    this.#tcp?.readable(7);
  }

  /** The refusal the TLS layer is about to handle, once. */
  takeRefusal(): string | undefined {
    const refusal = this.#refusal;
    this.#refusal = undefined;
    return refusal;
  }

  drop(): void {
    this.#tcp?.error();
  }
}

/** The socket option under which the host's MQTT client hands its transport down the socket chain. */
export const HOST_TRANSPORT = "hostTransport";

export function transportOf(options: Readonly<Record<string, unknown>>, what: string): HostTransport {
  const transport = options[HOST_TRANSPORT];
  if (!(transport instanceof HostTransport))
    throw new Error(`${what} is simulated only under the host's MQTT client (embedded:network/mqtt/client), which runs TLS and MQTT on the host`);
  return transport;
}
