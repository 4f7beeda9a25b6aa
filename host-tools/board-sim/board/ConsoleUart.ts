import type { UartPeer } from "./UartLink.ts";

/** The console's speed on an ESP32 (UART 0, as the ROM boot loader and Moddable set it). */
export const CONSOLE_BAUD = 115_200;

/**
 * The host's end of a simulated board's console UART: what a USB serial adapter is to a real
 * board. Bytes the host writes go out on the UART's receive line at its baud rate (through a
 * `UartLink`); what the board prints (its log and the console's replies, both on UART 0 on an
 * ESP32) comes back through `fromBoard`. Host tools use it as they use a serial port.
 */
export class ConsoleUart implements UartPeer {
  #outgoing: Uint8Array[] = [];
  readonly #listeners = new Set<(bytes: Uint8Array) => void>();
  /**
   * Called after each host write, so whatever drives board time can move it on until the bytes
   * have arrived; a board driven in real time (the HIL harness) needs none.
   */
  onHostWrite: (() => void) | undefined;

  /** The host writes to the board. */
  write(bytes: Uint8Array): void {
    this.#outgoing.push(bytes.slice());
    this.onHostWrite?.();
  }

  /** Listens to everything the board prints; returns the function that stops listening. */
  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Text the board printed on its console (the simulated board's `onConsole`). */
  fromBoard(text: string): void {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    for (const listener of this.#listeners) listener(bytes);
  }

  receive(bytes: Uint8Array): void {
    this.fromBoard(String.fromCharCode(...bytes));
  }

  transmit(now: number): { at: number; bytes: Uint8Array }[] {
    const chunks = this.#outgoing.map((bytes) => ({ at: now, bytes }));
    this.#outgoing = [];
    return chunks;
  }

  nextTransmitAt(now: number): number | undefined {
    return this.#outgoing.length > 0 ? now : undefined;
  }
}
