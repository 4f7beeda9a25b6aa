import path from "node:path";
import type { FlashProgress } from "./EspFlasher.ts";

/**
 * Shows flashing progress: on a terminal, one bar per image redrawn in place; elsewhere (CI logs,
 * pipes) a plain line each time an image passes another tenth, so logs stay short and readable.
 */
export class FlashProgressView {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  #lastIndex = -1;
  #lastTenth = -1;
  #barOpen = false;

  constructor(write: (text: string) => void, tty: boolean) {
    this.#write = write;
    this.#tty = tty;
  }

  update(progress: FlashProgress): void {
    const percent = progress.totalBytes === 0 ? 100 : Math.floor((100 * progress.sentBytes) / progress.totalBytes);
    const name = path.basename(progress.image.file);
    if (progress.index !== this.#lastIndex) {
      this.finish();
      this.#lastIndex = progress.index;
      this.#lastTenth = -1;
    }
    if (this.#tty) {
      const width = 30;
      const filled = Math.round((width * percent) / 100);
      this.#write(`\r  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(percent).padStart(3)}%  ${name}`);
      this.#barOpen = true;
      return;
    }
    const tenth = Math.floor(percent / 10);
    if (tenth === this.#lastTenth) return;
    this.#lastTenth = tenth;
    this.#write(`  ${name}: ${percent}%\n`);
  }

  /** Ends the bar's line so the next message starts on its own line. */
  finish(): void {
    if (!this.#barOpen) return;
    this.#write("\n");
    this.#barOpen = false;
  }
}
