import { boardClock } from "./VirtualClock.ts";

interface ResolveRequest {
  readonly host?: string;
  readonly onResolved?: (this: Resolver, host: string, address: string) => void;
  readonly onError?: (this: Resolver, host: string) => void;
}

/**
 * `embedded:network/dns/resolver/udp` for a simulated board. It checks its arguments as the SDK's
 * (examples/io/udp/dns/dns.js: `servers` is required; `resolve` needs a host and a callback) and
 * answers later, never from inside `resolve`, with the name itself as the address: the host's
 * MQTT connection resolves it, and a name that does not resolve fails that connection.
 */
export default class Resolver {
  readonly #servers: string[];
  #closed = false;

  constructor(options: { readonly servers: readonly string[] }) {
    this.#servers = options.servers.slice();
  }

  resolve(request: ResolveRequest): void {
    const host = request.host;
    if (!host || (!request.onResolved && !request.onError) || this.#closed) throw new Error("invalid");
    boardClock.set(() => {
      if (!this.#closed) request.onResolved?.call(this, host, host);
    }, 0);
  }

  close(): void {
    this.#closed = true;
    this.#servers.length = 0;
  }
}
