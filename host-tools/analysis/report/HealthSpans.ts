/**
 * A stretch of consecutive readings in which a channel could not be trusted, from the start of the
 * first reading's averaging interval to the end of the last one's (a reading's `ts` ends its
 * interval): the band covers the time those readings stand for, up to where the next reading's
 * interval begins.
 */
export type HealthSpan =
  | { readonly state: "warming"; readonly from: number; readonly to: number }
  /** `codes`: the distinct fault codes of the span's readings (`nack` of `fault:nack`), in order of first appearance. */
  | { readonly state: "fault"; readonly from: number; readonly to: number; readonly codes: readonly string[] };

const FAULT_PREFIX = "fault:";

/**
 * Builds one channel's spans while its readings go by once, oldest first. Consecutive faults with
 * different codes make one span naming them all: for the reader it is one stretch without values.
 */
export class HealthSpanBuilder {
  readonly #spans: HealthSpan[] = [];
  #open: { state: "warming" | "fault"; from: number; to: number; codes: string[] } | null = null;

  /** One reading, whose interval ran from `from` to `to`, and its channel's health as the lake holds it. */
  add(from: number, to: number, health: string | null): void {
    const code = health?.startsWith(FAULT_PREFIX) ? health.slice(FAULT_PREFIX.length) : undefined;
    const state = health === "warming" ? "warming" : code !== undefined ? "fault" : null;
    if (state !== this.#open?.state) this.close();
    if (state === null) return;
    const open = (this.#open ??= { state, from, to, codes: [] });
    open.to = to;
    if (code !== undefined && !open.codes.includes(code)) open.codes.push(code);
  }

  /** Ends the open span: the board sent nothing for a while, and a span must not bridge that gap. */
  close(): void {
    const open = this.#open;
    if (open === null) return;
    this.#spans.push(
      open.state === "warming" ? { state: "warming", from: open.from, to: open.to } : { state: "fault", from: open.from, to: open.to, codes: open.codes },
    );
    this.#open = null;
  }

  /** Every span, the open one included. */
  finish(): readonly HealthSpan[] {
    this.close();
    return this.#spans;
  }
}
