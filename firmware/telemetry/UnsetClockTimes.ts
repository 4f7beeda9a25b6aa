/**
 * Readings taken before SNTP set the clock go to the flash queue at once, stamped on the unset
 * clock (on the ESP32 it counts from the epoch at power-on), so a restart before the clock is set
 * loses none of them. Once the clock is set they get wall times before anything is sent.
 */

/** No reading stamped on a set clock is older than this (2020-01-01): an earlier `ts` is the unset clock's. */
export const CLOCK_SET_FROM_MS = Date.UTC(2020, 0, 1);

interface UnsetStamp {
  readonly boot: number;
  readonly ts: number;
}

/** The boot and the unset-clock time of a queued reading, or undefined when its time is a wall time already. */
export function unsetClockStamp(json: string): UnsetStamp | undefined {
  const record = JSON.parse(json) as { boot?: unknown; ts?: unknown };
  if (typeof record.boot !== "number" || typeof record.ts !== "number" || record.ts >= CLOCK_SET_FROM_MS) return undefined;
  return { boot: record.boot, ts: record.ts };
}

/** The record's JSON with `ts` moved by `offsetMs`, every other byte as it was (the keys keep their order). */
export function shiftedTimestamp(json: string, offsetMs: number): string {
  const record = JSON.parse(json) as Record<string, unknown> & { ts: number };
  record.ts += offsetMs;
  return JSON.stringify(record);
}

/**
 * What to add to each boot's unset-clock times. This boot's are exact: the clock moved by
 * `stepMs` when it was set. An earlier boot that ended before its clock was set left no way to
 * know how long the board was off, so its readings are placed just before this boot's power-on
 * (at `stepMs` on the wall clock), keeping their spacing, the latest such boot nearest; each is
 * then late by at most the time the board was off (and from its boot's last reading to its end),
 * never earlier than it was taken.
 */
export function unsetClockOffsets(
  spans: ReadonlyMap<number, { readonly first: number; readonly last: number }>,
  bootId: number,
  stepMs: number,
): Map<number, number> {
  const offsets = new Map<number, number>();
  let before = stepMs;
  for (const boot of [...spans.keys()].sort((a, b) => b - a)) {
    const span = spans.get(boot)!;
    if (boot === bootId) {
      offsets.set(boot, stepMs);
      continue;
    }
    const offset = before - 1 - span.last;
    offsets.set(boot, offset);
    before = span.first + offset;
  }
  return offsets;
}
