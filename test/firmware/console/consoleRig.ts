import type { ConsoleOutbox } from "../../../firmware/console/ConsoleOutbox";
import type { SensorSelfTest } from "../../../firmware/console/SelfTestRun";
import { ConsoleOnlyBoard } from "../../../host-tools/board-sim/board/ConsoleOnlyBoard.ts";
import { NvsStore } from "../../../host-tools/board-sim/board/NvsStore.ts";

const DOMAINS = ["tls", "wifi", "aqm"] as const;

/** A board's console on the bench, with everything it printed split into lines. */
export function consoleRig(options: { sensors?: readonly SensorSelfTest[]; outbox?: ConsoleOutbox; preferences?: NvsStore } = {}) {
  const preferences = options.preferences ?? new NvsStore();
  const bench = new ConsoleOnlyBoard({ preferences, firmwareVersion: "0.1.0", epochAtBoot: Date.UTC(2026, 10, 23), ...options });
  const lines: string[] = [];
  let partial = "";
  bench.uart.onData((bytes) => {
    const parts = (partial + Buffer.from(bytes).toString("latin1")).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  const replies = (): string[] => lines.filter((line) => /^(OK|ERR)( |$)/.test(line));
  return {
    bench,
    preferences,
    /** Everything printed: replies and log lines. */
    lines,
    replies,
    last: (): string => replies().at(-1) ?? "",
    /** Sends text or bytes, in chunks of `chunk` bytes (whole at once by default). */
    send(data: string | Uint8Array, chunk = Infinity): void {
      const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
      for (let at = 0; at < bytes.length; at += chunk) bench.uart.write(bytes.subarray(at, Math.min(bytes.length, at + chunk)));
    },
    /** Sends one line and returns the reply it got. */
    command(line: string): string {
      const before = replies().length;
      this.send(`${line}\n`);
      const got = replies().slice(before);
      if (got.length !== 1) throw new Error(`expected one reply to ${JSON.stringify(line.slice(0, 40))}, got ${JSON.stringify(got)}`);
      return got[0]!;
    },
    /** Every stored preference, bytes as hex: what "nothing changed" is checked against. */
    snapshot(): string {
      const all: Record<string, Record<string, unknown>> = {};
      for (const domain of DOMAINS) {
        for (const key of preferences.keys(domain)) {
          const value = preferences.get(domain, key);
          (all[domain] ??= {})[key] = typeof value === "object" ? Buffer.from(value.bytes).toString("hex") : value;
        }
      }
      return JSON.stringify(all);
    },
    stored(domain: string, key: string): Uint8Array | string | number | boolean | undefined {
      const value = preferences.get(domain, key);
      return typeof value === "object" ? value.bytes : value;
    },
  };
}

export type ConsoleRig = ReturnType<typeof consoleRig>;

/** Sends a PEM block for `tls <slot>` line by line; returns every reply it got. */
export function installPem(rig: ConsoleRig, slot: "ca" | "cert" | "key", pemText: string): string[] {
  const before = rig.replies().length;
  rig.send(`tls ${slot}\n`);
  for (const line of pemText.trim().split("\n")) rig.send(`${line}\n`);
  return rig.replies().slice(before);
}
