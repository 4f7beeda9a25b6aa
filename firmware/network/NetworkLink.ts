/**
 * Brings the board onto the network before anything talks TLS: joins Wi-Fi, then asks SNTP for
 * the time, because a certificate cannot be checked, nor a reading timestamped, without it. One
 * named state, one path back to joining when the link drops, and retries that back off instead of
 * hammering a router or a time server.
 */

export type NetworkState = "no-settings" | "joining-wifi" | "waiting-for-time" | "ready";

export interface NetworkChange {
  readonly state: NetworkState;
  /** Why the state changed, for the log. */
  readonly detail?: string;
  /** When the clock was set: how far it moved (ms), so readings stamped before can be corrected. */
  readonly clockStepMs?: number;
  /** When a retry is scheduled, how long until it. */
  readonly retryInMs?: number;
  readonly host?: string;
}

export interface WifiCredentials {
  readonly ssid: string;
  readonly password: string;
}

/** Moddable's `wifi` module, as the link uses it. */
export type WifiFactory = (credentials: WifiCredentials, onMessage: (message: string) => void) => { close(): void };
/** Moddable's `sntp` module: SNTP.time (1) with seconds, SNTP.retry (2), SNTP.error (−1). */
export type SntpFactory = (host: string, onAnswer: (message: number, seconds?: number) => void) => void;

export interface NetworkTimer {
  set(callback: () => void, interval: number): unknown;
  clear(timer: unknown): void;
}

export interface NetworkLinkOptions {
  readonly credentials: WifiCredentials | undefined;
  readonly sntpHosts: readonly string[];
  readonly wifi: WifiFactory;
  readonly sntp: SntpFactory;
  /** Sets the board's clock (Moddable's Time.set). */
  readonly setTime: (seconds: number) => void;
  readonly now: () => number;
  readonly timer: NetworkTimer;
  readonly onChange: (change: NetworkChange) => void;
}

const SNTP_TIME = 1;
const SNTP_ERROR = -1;
/** First retry after a failed join; doubles to the cap. A router rebooting takes about a minute. */
const JOIN_RETRY_MS = 5_000;
const JOIN_RETRY_MAX_MS = 120_000;
/** A time server that did not answer is tried again this long after, with the next host. */
const SNTP_RETRY_MS = 30_000;

export class NetworkLink {
  readonly #options: NetworkLinkOptions;
  #state: NetworkState | undefined;
  #wifi: { close(): void } | undefined;
  #retry: unknown;
  #joinRetryMs = JOIN_RETRY_MS;
  #hostIndex = 0;
  #timeKnown = false;
  /** Each join attempt gets a number; events for an older one are stale. */
  #attempt = 0;
  /** Likewise each SNTP query: a late answer to one already given up on is not used. */
  #query = 0;

  constructor(options: NetworkLinkOptions) {
    this.#options = options;
  }

  get state(): NetworkState | undefined {
    return this.#state;
  }

  get timeKnown(): boolean {
    return this.#timeKnown;
  }

  start(): void {
    if (!this.#options.credentials) this.#enter({ state: "no-settings", detail: "no Wi-Fi credentials stored" });
    else this.#join();
  }

  #enter(change: NetworkChange): void {
    this.#state = change.state;
    this.#options.onChange(change);
  }

  #join(): void {
    const credentials = this.#options.credentials!;
    const attempt = ++this.#attempt;
    this.#enter({ state: "joining-wifi", detail: credentials.ssid });
    try {
      this.#wifi = this.#options.wifi(credentials, (message) => {
        if (attempt === this.#attempt) this.#onWifi(message);
      });
    } catch (error) {
      this.#joinFailed(error instanceof Error ? error.message : String(error));
    }
  }

  #onWifi(message: string): void {
    if (message === "gotIP") {
      this.#joinRetryMs = JOIN_RETRY_MS;
      if (this.#timeKnown) this.#enter({ state: "ready", detail: "Wi-Fi joined" });
      else this.#askTime();
    } else if (message === "disconnect" || message === "lostIP") {
      if (this.#state === "joining-wifi" && message === "lostIP") return;
      this.#joinFailed(message === "lostIP" ? "lost the IP address" : "the access point refused or dropped the board");
    }
  }

  #joinFailed(reason: string): void {
    this.#attempt++;
    this.#wifi?.close();
    this.#wifi = undefined;
    const retryInMs = this.#joinRetryMs;
    this.#joinRetryMs = Math.min(JOIN_RETRY_MAX_MS, this.#joinRetryMs * 2);
    this.#enter({ state: "joining-wifi", detail: reason, retryInMs });
    this.#options.timer.clear(this.#retry);
    this.#retry = this.#options.timer.set(() => {
      this.#retry = undefined;
      this.#join();
    }, retryInMs);
  }

  #askTime(): void {
    const hosts = this.#options.sntpHosts;
    const host = hosts[this.#hostIndex % hosts.length]!;
    const attempt = this.#attempt;
    const query = ++this.#query;
    this.#enter({ state: "waiting-for-time", host });
    this.#options.sntp(host, (message, seconds) => {
      if (attempt !== this.#attempt || query !== this.#query || this.#state !== "waiting-for-time") return;
      if (message === SNTP_TIME && seconds !== undefined) this.#timeSet(seconds, host);
      else if (message === SNTP_ERROR) this.#sntpFailed(host);
    });
  }

  #timeSet(seconds: number, host: string): void {
    const clockStepMs = seconds * 1000 - this.#options.now();
    this.#options.setTime(seconds);
    this.#timeKnown = true;
    this.#enter({ state: "ready", host, clockStepMs });
  }

  #sntpFailed(host: string): void {
    this.#hostIndex++;
    this.#query++;
    this.#enter({ state: "waiting-for-time", host, detail: "no answer", retryInMs: SNTP_RETRY_MS });
    const attempt = this.#attempt;
    this.#options.timer.clear(this.#retry);
    this.#retry = this.#options.timer.set(() => {
      this.#retry = undefined;
      if (attempt === this.#attempt) this.#askTime();
    }, SNTP_RETRY_MS);
  }
}
