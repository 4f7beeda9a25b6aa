import type { SessionFailure } from "./MqttSession";

/**
 * How far one connection attempt got, as the layers under the Moddable SDK's MQTT client saw it.
 * The SDK's client calls `onError()` with no argument whatever went wrong (its
 * examples/io/tcp/mqttclient/mqttclient.js), so the board learns the cause from the DNS resolver,
 * TLS socket and TCP socket it hands that client (network/MqttsNetwork.ts), which report here.
 */
export interface ConnectionStage {
  /** The resolver answered with an address. */
  readonly resolved: boolean;
  /** The resolver gave up on the name. */
  readonly unresolved: boolean;
  /** The TLS handshake finished: the TLS socket became writable for the MQTT client. */
  readonly secured: boolean;
  /**
   * What the SDK's TLS code threw while handling the socket: a TLS alert from the broker
   * ("alert: 2, 42"), or this board refusing the broker ("certificate: auth err").
   */
  readonly tlsError?: string;
}

/** One probe per connection attempt: the SDK modules' wrappers note what happened; the session reads it once the client fails. */
export class ConnectionProbe {
  #resolved = false;
  #unresolved = false;
  #secured = false;
  #tlsError: string | undefined;

  noteResolved(): void {
    this.#resolved = true;
  }

  noteUnresolved(): void {
    this.#unresolved = true;
  }

  noteSecured(): void {
    this.#secured = true;
  }

  /** The first TLS error wins: what follows it is the connection being torn down. */
  noteTlsError(message: string): void {
    this.#tlsError ??= message;
  }

  get stage(): ConnectionStage {
    return {
      resolved: this.#resolved,
      unresolved: this.#unresolved,
      secured: this.#secured,
      ...(this.#tlsError === undefined ? {} : { tlsError: this.#tlsError }),
    };
  }
}

/**
 * Why a connection failed, from how far it got. Only a TLS error the SDK's TLS code raised is a
 * rejected certificate: a reset or a time-out in the middle of the handshake, with no alert, is the
 * network (a broker's listen queue overflowing looks exactly like that), so it gets the short
 * backoff, not the long wait for a refused certificate.
 */
export function failureOf(stage: ConnectionStage, online: boolean, networkUp: boolean): { failure: SessionFailure; detail: string } {
  if (!networkUp) return { failure: "network-down", detail: "the network link is down" };
  if (online) return { failure: "closed", detail: "the connection to the broker was lost" };
  if (stage.tlsError !== undefined) return { failure: "tls-rejected", detail: `the TLS handshake failed: ${stage.tlsError}` };
  if (stage.unresolved) return { failure: "network-down", detail: "the broker's name did not resolve" };
  if (stage.secured)
    return { failure: "not-authorised", detail: "the broker ended the session after the TLS handshake, before CONNACK: it refused the CONNECT" };
  if (stage.resolved)
    return { failure: "broker-unreachable", detail: "the connection was refused, reset or timed out before the TLS handshake finished (no TLS alert)" };
  return { failure: "broker-unreachable", detail: "the connection failed before the broker's name resolved" };
}
