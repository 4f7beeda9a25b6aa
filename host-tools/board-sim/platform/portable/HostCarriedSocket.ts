/**
 * What the simulated TCP and TLS sockets share: the host's MQTT connection carries their bytes, so
 * they have none to read or write, and once closed no callback of theirs fires.
 */
export class HostCarriedSocket {
  #closed = false;

  /** `callback`, called only while this socket is open. */
  protected whileOpen<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      if (!this.#closed) callback(...args);
    };
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
