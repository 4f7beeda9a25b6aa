import { SerialPort as NodePort } from "serialport";

/**
 * The part of a Web Serial `SerialPort` that esptool-js's `Transport` uses, on top of the
 * `serialport` package, so Espressif's browser flasher runs under Node:
 *
 * - `open({ baudRate })` / `close()`;
 * - `readable` / `writable`: web streams over the port, recreated after one is cancelled or
 *   closed, as Web Serial does (Transport cancels its reader to disconnect);
 * - `setSignals({ dataTerminalReady, requestToSend, break })`: DTR/RTS, which the DevKitC's
 *   auto-reset circuit turns into EN and GPIO0, so the host can reset into the ROM bootloader;
 * - `setBaudRate(n)`: esptool-js's optional in-place baud change, so CHANGE_BAUDRATE does not
 *   reopen the port (reopening toggles DTR on some USB bridges and resets the board);
 * - `getInfo()`: empty, since no USB ids are known for a path.
 *
 * A pseudo-terminal has no modem control lines: setting them fails with ENOTTY. That is not an
 * error for flashing (the board may already be in download mode), so it is remembered in
 * `controlLines` and reported by the caller instead of aborting the connection.
 */
export interface SerialSignals {
  readonly dataTerminalReady?: boolean;
  readonly requestToSend?: boolean;
  readonly break?: boolean;
}

export class NodeSerialPort {
  readonly path: string;
  /** False once the OS said this port has no DTR/RTS lines (a pseudo-terminal). */
  controlLines = true;
  #port: NodePort | undefined;
  #readable: ReadableStream<Uint8Array> | null = null;
  #writable: WritableStream<Uint8Array> | null = null;
  /** Received bytes are queued here until a reader takes them, as in Web Serial's buffer. */
  #receive: ReadableStreamDefaultController<Uint8Array> | undefined;
  #pending: Uint8Array[] = [];

  constructor(path: string) {
    this.path = path;
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.#port?.isOpen) throw new Error(`${this.path} is already open`);
    const port = new NodePort({ path: this.path, baudRate: options.baudRate, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(new SerialPortMissing(this.path, openFailure(error.message))) : resolve())),
    );
    port.on("data", (chunk: Buffer) => this.#deliver(new Uint8Array(chunk)));
    port.on("close", () => this.#endStreams());
    this.#port = port;
  }

  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.#port?.isOpen) return null;
    this.#readable ??= new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#receive = controller;
        for (const chunk of this.#pending.splice(0)) controller.enqueue(chunk);
      },
      cancel: () => {
        this.#receive = undefined;
        this.#readable = null;
      },
    });
    return this.#readable;
  }

  get writable(): WritableStream<Uint8Array> | null {
    const port = this.#port;
    if (!port?.isOpen) return null;
    this.#writable ??= new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          port.write(Buffer.from(chunk), (error) => (error ? reject(error) : port.drain((drainError) => (drainError ? reject(drainError) : resolve()))));
        }),
      close: () => {
        this.#writable = null;
      },
      abort: () => {
        this.#writable = null;
      },
    });
    return this.#writable;
  }

  async setSignals(signals: SerialSignals): Promise<void> {
    const port = this.#requireOpen();
    if (!this.controlLines) return;
    const flags: { dtr?: boolean; rts?: boolean; brk?: boolean } = {};
    if (signals.dataTerminalReady !== undefined) flags.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) flags.rts = signals.requestToSend;
    if (signals.break !== undefined) flags.brk = signals.break;
    await new Promise<void>((resolve, reject) =>
      port.set(flags, (error) => {
        if (!error) resolve();
        else if (/Inappropriate ioctl/i.test(error.message)) {
          this.controlLines = false;
          resolve();
        } else reject(new Error(`${this.path}: cannot set DTR/RTS: ${error.message}`));
      }),
    );
  }

  async setBaudRate(baudRate: number): Promise<void> {
    const port = this.#requireOpen();
    await new Promise<void>((resolve, reject) =>
      port.update({ baudRate }, (error) => (error ? reject(new Error(`${this.path}: cannot change to ${baudRate} baud: ${error.message}`)) : resolve())),
    );
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return {};
  }

  async close(): Promise<void> {
    const port = this.#port;
    this.#port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
    this.#endStreams();
  }

  #deliver(chunk: Uint8Array): void {
    if (this.#receive) this.#receive.enqueue(chunk);
    else this.#pending.push(chunk);
  }

  #endStreams(): void {
    try {
      this.#receive?.close();
    } catch {
      // Already closed by a cancelled reader.
    }
    this.#receive = undefined;
    this.#readable = null;
    this.#writable = null;
    this.#pending = [];
  }

  #requireOpen(): NodePort {
    if (!this.#port?.isOpen) throw new Error(`${this.path} is not open`);
    return this.#port;
  }
}

/** serialport says "Error: No such file or directory, cannot open /dev/x"; keep the reason only. */
function openFailure(message: string): string {
  return message.replace(/^Error: /, "").replace(/, cannot open .*$/, "");
}

/** The port could not be opened: wrong path, unplugged board, or no permission. */
export class SerialPortMissing extends Error {
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`cannot open serial port ${path}: ${reason}`);
    this.name = "SerialPortMissing";
    this.path = path;
  }
}
