import type { WifiMessage } from "../platform/portable/HostPort.ts";

/**
 * The network around a simulated board: one Wi-Fi access point and the SNTP servers behind it.
 * A test takes them down and brings them back; what the board hears follows the ESP32's Wi-Fi
 * events (connect, gotIP, lostIP, disconnect) in board time.
 */
export interface SimNetworkOptions {
  readonly ssid: string;
  readonly password: string;
  /** Wall-clock time (Unix ms) at the board's power-on: what the time servers know. */
  readonly epochAtBoot: number;
  /** How long joining takes, association to address; a home router takes a second or two. */
  readonly joinMs?: number;
  /** How long a failed join takes to give up, as the ESP32's station does after its retries. */
  readonly failMs?: number;
  readonly sntpMs?: number;
}

export interface ScheduledWifi {
  readonly at: number;
  readonly message: WifiMessage;
}

export class SimNetwork {
  readonly ssid: string;
  readonly password: string;
  readonly epochAtBoot: number;
  /** The access point is on the air. */
  wifiUp = true;
  /** The time servers answer. */
  sntpUp = true;
  readonly #joinMs: number;
  readonly #failMs: number;
  readonly #sntpMs: number;
  #joined = false;
  #joining = false;
  #pending: ScheduledWifi[] = [];

  constructor(options: SimNetworkOptions) {
    this.ssid = options.ssid;
    this.password = options.password;
    this.epochAtBoot = options.epochAtBoot;
    this.#joinMs = options.joinMs ?? 2000;
    this.#failMs = options.failMs ?? 10_000;
    this.#sntpMs = options.sntpMs ?? 40;
  }

  get joined(): boolean {
    return this.#joined;
  }

  /** The board asks to join at board time `now`. */
  join(ssid: string, password: string, now: number): void {
    this.#joining = true;
    const accepted = this.wifiUp && ssid === this.ssid && password === this.password;
    this.#pending = accepted
      ? [
          { at: now + this.#joinMs / 2, message: "connect" },
          { at: now + this.#joinMs, message: "gotIP" },
        ]
      : [{ at: now + this.#failMs, message: "disconnect" }];
  }

  leave(): void {
    this.#joining = false;
    this.#joined = false;
    this.#pending = [];
  }

  /** Takes the access point off the air at `now`: a joined board loses its address and its link. */
  takeDown(now: number): void {
    this.wifiUp = false;
    if (this.#joined || this.#joining) {
      this.#pending = [
        { at: now, message: "lostIP" },
        { at: now, message: "disconnect" },
      ];
    }
    this.#joined = false;
    this.#joining = false;
  }

  bringUp(): void {
    this.wifiUp = true;
  }

  /** The Wi-Fi events due by `now`. */
  due(now: number): WifiMessage[] {
    const ready = this.#pending.filter((p) => p.at <= now);
    this.#pending = this.#pending.filter((p) => p.at > now);
    for (const { message } of ready) {
      if (message === "gotIP") this.#joined = true;
      if (message === "disconnect") this.#joining = false;
    }
    return ready.map((p) => p.message);
  }

  nextAt(): number | undefined {
    return this.#pending.length === 0 ? undefined : Math.min(...this.#pending.map((p) => p.at));
  }

  /** An SNTP answer (every time server answers alike) for a query at board time `now`: when it arrives and the seconds it carries, or null if none comes. */
  answer(now: number): { readonly at: number; readonly time: number | null } {
    if (!this.#joined || !this.sntpUp) return { at: now + 5000, time: null };
    const at = now + this.#sntpMs;
    return { at, time: Math.floor((this.epochAtBoot + at) / 1000) };
  }
}
