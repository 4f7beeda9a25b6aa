import type { Pms5003Serial, Pms5003SerialOptions } from "../../../firmware/drivers/Pms5003";
import type { I2cIo, I2cIoOptions } from "../../../firmware/drivers/I2cIo";
import type { I2cBus } from "../../../host-tools/board-sim/board/I2cBus.ts";
import type { UartLink } from "../../../host-tools/board-sim/board/UartLink.ts";

/**
 * Small stand-ins for the ECMA-419 IO classes, on the simulated bus and UART, so a driver test
 * needs no host port. They behave as Moddable's do where a driver can tell: a NACK throws, and
 * `onReadable` fires when bytes have arrived.
 */

interface PolledPort {
  readonly link: UartLink;
  poll(now: number): void;
}

/** Board time for driver tests. `delay` blocks as `Timer.delay` does; `advance` lets serial bytes arrive meanwhile. */
export class TestClock {
  now = 0;
  readonly #ports: PolledPort[] = [];

  readonly delay = (ms: number): void => {
    this.now += ms;
  };

  attach(port: PolledPort): void {
    this.#ports.push(port);
  }

  /** Moves time on by `ms`, stopping whenever a UART has bytes ready, as the device's event loop would. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      for (const port of this.#ports) port.poll(this.now);
      let next = Infinity;
      for (const port of this.#ports) {
        const at = port.link.nextEventAt(this.now);
        if (at !== undefined && at > this.now) next = Math.min(next, at);
      }
      if (next > end) break;
      this.now = next;
    }
    this.now = end;
    for (const port of this.#ports) port.poll(this.now);
  }
}

function hex(address: number): string {
  return "0x" + address.toString(16);
}

/** An I2C class whose instances talk to `bus` at the clock's time. `opened` records every constructor call, `last` the latest instance. */
export function i2cOn(bus: I2cBus, clock: TestClock) {
  return class FakeI2c implements I2cIo {
    static readonly opened: I2cIoOptions[] = [];
    static last: FakeI2c | undefined;
    readonly #address: number;
    closed = false;

    constructor(options: I2cIoOptions) {
      FakeI2c.opened.push(options);
      FakeI2c.last = this;
      this.#address = options.address;
    }

    write(data: Uint8Array): void {
      if (bus.write(this.#address, data, clock.now) === "nack") throw new Error(`I2C write to ${hex(this.#address)}: no acknowledge`);
    }

    read(into: Uint8Array): ArrayBuffer {
      const answer = bus.read(this.#address, into.length, clock.now);
      if (answer === "nack") throw new Error(`I2C read from ${hex(this.#address)}: no acknowledge`);
      into.set(answer);
      return answer.slice().buffer;
    }

    close(): void {
      this.closed = true;
    }
  };
}

/** A Serial class whose instances talk over `link`; `opened` records every constructor call, `last` the latest port. */
export function serialOn(link: UartLink, clock: TestClock) {
  return class FakeSerial implements Pms5003Serial, PolledPort {
    static readonly opened: Pms5003SerialOptions[] = [];
    static last: FakeSerial | undefined;
    readonly link = link;
    readonly #onReadable: (bytes: number) => void;
    #closed = false;

    constructor(options: Pms5003SerialOptions) {
      FakeSerial.opened.push(options);
      FakeSerial.last = this;
      this.#onReadable = options.onReadable;
      clock.attach(this);
    }

    poll(now: number): void {
      if (this.#closed) return;
      const available = link.available(now);
      if (available > 0) this.#onReadable(available);
    }

    read(buffer: Uint8Array): number | undefined {
      this.#check();
      const bytes = link.read(buffer.length, clock.now);
      if (bytes.length === 0) return undefined;
      buffer.set(bytes);
      return bytes.length;
    }

    write(bytes: Uint8Array): void {
      this.#check();
      link.write(bytes.slice(), clock.now);
    }

    close(): void {
      this.#closed = true;
    }

    #check(): void {
      if (this.#closed) throw new Error("serial port is closed");
    }
  };
}
