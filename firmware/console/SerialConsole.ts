import type { EventCodeName } from "../log/EventCodes";
import type { EventLog, FieldValue } from "../log/SerialLog";
import type { CallbackTimer } from "../types/CallbackTimer";
import { splitWords } from "./CommandWords";
import type { ConsoleOutbox } from "./ConsoleOutbox";
import { writeTogether, type ConsolePreferences } from "./ConsolePreferences";
import { errReply, okReply, quoteBytes, withFields, type ReplyValue } from "./ConsoleReply";
import { eraseBoardSettings } from "./FactoryReset";
import { LineAssembler, type LineRejection } from "./LineAssembler";
import { PemReceiver } from "./PemReceiver";
import { endpointChange, SETTING_KEYS, thingChange, wifiChange, type SettingChange } from "./ProvisioningSettings";
import { SelfTestRun, type SelfTestResult, type SensorSelfTest } from "./SelfTestRun";
import { MAX_DER_BYTES, PEM_LABEL, TlsCredentials, type TlsOutcome, type TlsSlot } from "./TlsCredentials";

/** The part of the firmware update receiver the console drives: each `update` line in, one reply line out. */
export interface ConsoleUpdate {
  command(args: readonly string[]): string;
}

export interface SerialConsoleOptions {
  /** Sends text to the console UART (Moddable's `trace` on the device, which shares UART 0 with the log). */
  readonly write: (text: string) => void;
  readonly log: EventLog;
  readonly preferences: ConsolePreferences;
  readonly timer: CallbackTimer;
  /** What `version` reports, e.g. `{ firmware: "0.1.0" }`. Keys without spaces or `=`. */
  readonly versions: Readonly<Record<string, string>>;
  readonly sensors?: readonly SensorSelfTest[];
  readonly outbox?: ConsoleOutbox;
  /** Takes the `update …` lines of a firmware update (firmware/update/FirmwareUpdate.ts). */
  readonly update?: ConsoleUpdate;
  /** A line left unfinished this long, or a PEM block left unfinished this long between lines, is dropped as truncated. */
  readonly idleTimeoutMs?: number;
  readonly selfTestTimeoutMs?: number;
}

/** Long enough for `endpoint` with a 253-character host name and a port. */
const MAX_LINE = 300;
const PROTOCOL_VERSION = "1";
const DEFAULT_IDLE_MS = 10_000;
/** A PMS5003 woken for the test needs its 30 s warm-up before its first frame. */
const DEFAULT_SELF_TEST_MS = 40_000;

const COMMANDS = ["help", "version", "status", "wifi", "thing", "endpoint", "tls", "selftest", "outbox", "update", "factory-reset"] as const;
type Command = (typeof COMMANDS)[number];

/**
 * The board's serial console for provisioning and diagnosis. It reads bytes from the console UART
 * in any chunks, one command per line, and answers every line with exactly one line: `OK …` or
 * `ERR <code> <message>` (docs/serial-console.md). Steps: `command` (waiting for a command),
 * `pem` (taking a PEM block for `tls ca|cert|key`), `self-test` (sensors being tested; other
 * commands wait). A firmware update keeps its own state between `update` lines, so other
 * commands still answer while one is in progress. Anything refused changes nothing, except that
 * a refused `update` line cancels the update in progress. The Wi-Fi password and the private key
 * never appear in a reply or on the log; neither does any unrecognised input, which might be either.
 */
export class SerialConsole {
  readonly #options: SerialConsoleOptions;
  readonly #lines: LineAssembler;
  readonly #tls: TlsCredentials;
  #step: "command" | "pem" | "self-test" = "command";
  #pem: { readonly slot: TlsSlot; readonly receiver: PemReceiver } | undefined;
  #idle: unknown;

  constructor(options: SerialConsoleOptions) {
    this.#options = options;
    this.#tls = new TlsCredentials(options.preferences);
    this.#lines = new LineAssembler(MAX_LINE, {
      line: (text) => this.#line(text),
      rejected: (rejection) => this.#rejectedLine(rejection),
    });
  }

  /** Bytes from the console UART, as they arrive. */
  receive(bytes: Uint8Array): void {
    this.#lines.push(bytes);
    this.#watchIdle();
  }

  #watchIdle(): void {
    if (this.#idle !== undefined) this.#options.timer.clear(this.#idle);
    this.#idle = undefined;
    if (!this.#lines.partial && this.#step !== "pem") return;
    const idleMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.#idle = this.#options.timer.set(() => {
      this.#idle = undefined;
      const line = this.#lines.abandon();
      const block = this.#step === "pem";
      this.#endPem();
      const silence = `nothing for ${idleMs / 1000} s`;
      if (line)
        this.#fail(
          "truncated",
          `the line stopped without an end of line (${silence})${block ? "; the PEM block was abandoned and nothing was stored" : ""}`,
          block ? "tls" : undefined,
        );
      else this.#fail("truncated", `the PEM block stopped before its END line (${silence}); nothing was stored`, "tls");
    }, idleMs);
  }

  #rejectedLine(rejection: LineRejection): void {
    const block = this.#pem?.slot;
    this.#endPem();
    this.#fail(
      rejection.code,
      block ? `${rejection.message}; the PEM block was abandoned and nothing was stored` : rejection.message,
      block ? "tls" : undefined,
    );
  }

  #line(text: string): void {
    if (text.trim() === "") return;
    if (this.#step === "self-test") this.#fail("busy", "a sensor self-test is running; send the command again when it has answered", undefined);
    else if (this.#step === "pem") this.#pemLine(text);
    else this.#command(text);
  }

  #command(text: string): void {
    const split = splitWords(text);
    if ("problem" in split) {
      this.#fail("usage", split.problem, undefined);
      return;
    }
    const [name, ...args] = split.words;
    const command = COMMANDS.find((known) => known === name);
    // An unknown line is not echoed: it may be a password or a key line sent at the wrong moment.
    if (!command) this.#fail("unknown-command", `not a command (${text.length} characters); send help for the list`, undefined);
    else this.#run(command, args);
  }

  #run(command: Command, args: readonly string[]): void {
    switch (command) {
      case "help":
        return this.#expect(command, args, 0, "help", () => this.#reply(okReply("help", { commands: COMMANDS.join(",") })));
      case "version":
        return this.#expect(command, args, 0, "version", () => this.#reply(okReply("version", { ...this.#options.versions, console: PROTOCOL_VERSION })));
      case "status":
        return this.#expect(command, args, 0, "status", () => this.#status());
      case "wifi":
        return this.#expect(command, args, 2, 'wifi <ssid> <password> (quote either with "…" if it has spaces; "" for an open network)', () =>
          this.#setting(command, wifiChange(args[0]!, args[1]!), "CN901", { ssid: args[0]! }),
        );
      case "thing":
        return this.#expect(command, args, 1, "thing <name>", () => this.#setting(command, thingChange(args[0]!), "CN903", { thing: args[0]! }));
      case "endpoint":
        if (args.length !== 1 && args.length !== 2) return this.#fail("usage", "endpoint <host> [port]", command);
        return this.#setting(command, endpointChange(args[0]!, args[1]), "CN902", { endpoint: args[0]!, port: args[1] });
      case "tls":
        return this.#tlsCommand(args);
      case "selftest":
        return this.#expect(command, args, 0, "selftest", () => this.#selfTest());
      case "outbox":
        return this.#outboxCommand(args);
      case "update":
        if (!this.#options.update) return this.#fail("unavailable", "firmware update is not wired on this board", command);
        return this.#reply(this.#options.update.command(args));
      case "factory-reset":
        return this.#factoryReset(args);
    }
  }

  #expect(command: Command, args: readonly string[], count: number, usage: string, then: () => void): void {
    if (args.length !== count) this.#fail("usage", usage, command);
    else then();
  }

  #status(): void {
    const preferences = this.#options.preferences;
    const text = (entry: { domain: string; key: string }): string | undefined => {
      const value = preferences.get(entry.domain, entry.key);
      return typeof value === "string" ? value : undefined;
    };
    const port = preferences.get(SETTING_KEYS.port.domain, SETTING_KEYS.port.key);
    const password = preferences.get(SETTING_KEYS.wifiPassword.domain, SETTING_KEYS.wifiPassword.key);
    const outbox = this.#options.outbox;
    this.#reply(
      okReply("status", {
        thing: text(SETTING_KEYS.thing) ?? "-",
        endpoint: text(SETTING_KEYS.endpoint) ?? "-",
        port: typeof port === "number" ? port : "-",
        "wifi.ssid": text(SETTING_KEYS.wifiSsid) ?? "-",
        // Whether a password is stored, never what it is.
        "wifi.password": typeof password === "string" && password !== "" ? "set" : "none",
        "tls.ca": this.#tls.storedBytes("ca"),
        "tls.cert": this.#tls.storedBytes("cert"),
        "tls.key": this.#tls.storedBytes("key"),
        "tls.waiting": this.#tls.waitingForKey ? "key" : undefined,
        "outbox.pending": outbox?.pending,
        "outbox.fill": outbox ? Math.round(outbox.fill * 1000) / 1000 : undefined,
      }),
    );
  }

  #setting(command: Command, change: SettingChange, code: EventCodeName, logged: Readonly<Record<string, FieldValue>>): void {
    if ("problem" in change) return this.#fail("invalid-value", `${change.problem}; nothing was changed`, command);
    try {
      writeTogether(this.#options.preferences, change.changes);
    } catch (error) {
      return this.#fail("storage", `preferences refused the write (${error instanceof Error ? error.message : String(error)}); nothing was changed`, command);
    }
    this.#options.log.event(code, logged);
    const fields: Record<string, ReplyValue | undefined> = { ...logged };
    if (command === "wifi") fields.password = change.changes[1]?.value === "" ? "none" : "set";
    this.#reply(okReply(`${command} stored`, { ...fields, restart: "required" }));
  }

  #tlsCommand(args: readonly string[]): void {
    const slot = args[0];
    if (args.length !== 1 || (slot !== "ca" && slot !== "cert" && slot !== "key")) return this.#fail("usage", "tls ca|cert|key, then the PEM block", "tls");
    this.#step = "pem";
    this.#pem = { slot, receiver: new PemReceiver(PEM_LABEL[slot], MAX_DER_BYTES) };
    this.#reply(okReply(`tls ${slot} ready`, { send: `-----BEGIN ${PEM_LABEL[slot]}-----` }));
  }

  #pemLine(text: string): void {
    const { slot, receiver } = this.#pem!;
    const progress = receiver.push(text);
    if ("more" in progress) return this.#reply(okReply("pem", { bytes: progress.bytes }));
    this.#endPem();
    if ("error" in progress) return this.#fail(progress.error, `${progress.message}; nothing was stored`, "tls");
    this.#tlsOutcome(slot, this.#tls.install(slot, progress.der));
  }

  #tlsOutcome(slot: TlsSlot, outcome: TlsOutcome): void {
    if ("error" in outcome)
      return this.#fail(outcome.error, outcome.message.endsWith("nothing was changed") ? outcome.message : `${outcome.message}; nothing was stored`, "tls");
    if ("held" in outcome) {
      this.#reply(okReply("tls cert held", { bytes: outcome.bytes, subject: outcome.subject, next: "tls key" }));
      return;
    }
    this.#options.log.event("CN904", { slot, bytes: outcome.bytes, subject: outcome.subject, with_cert: outcome.withCertificate });
    this.#reply(
      okReply(`tls ${slot} stored`, {
        bytes: outcome.bytes,
        subject: outcome.subject,
        cert: outcome.withCertificate ? "stored" : undefined,
        restart: "required",
      }),
    );
  }

  #endPem(): void {
    if (this.#step === "pem") this.#step = "command";
    this.#pem = undefined;
  }

  #selfTest(): void {
    const sensors = this.#options.sensors ?? [];
    if (sensors.length === 0) return this.#fail("unavailable", "no sensor self-tests are wired on this board", "selftest");
    this.#step = "self-test";
    new SelfTestRun({
      tests: sensors,
      timer: this.#options.timer,
      timeoutMs: this.#options.selfTestTimeoutMs ?? DEFAULT_SELF_TEST_MS,
      done: (results) => this.#selfTestDone(results),
    }).start();
  }

  #selfTestDone(results: readonly SelfTestResult[]): void {
    this.#step = "command";
    const fields: Record<string, string> = {};
    for (const { name, result } of results) fields[name] = result;
    const failed = results.filter((r) => r.result !== "ok").length;
    this.#options.log.event(failed === 0 ? "CN907" : "CN908", fields);
    if (failed === 0) this.#reply(okReply("selftest passed", fields));
    else this.#reply(errReply("selftest-failed", withFields(`${failed} of ${results.length} sensors failed`, fields)));
  }

  #outboxCommand(args: readonly string[]): void {
    const outbox = this.#options.outbox;
    if (!outbox) return this.#fail("unavailable", "the store of unsent readings is not wired on this board", "outbox");
    const [action, index] = args;
    if (args.length === 0)
      return this.#reply(okReply("outbox", { pending: outbox.pending, dropped: outbox.dropped, fill: Math.round(outbox.fill * 1000) / 1000 }));
    if (action === "read" && args.length === 2 && /^[0-9]{1,6}$/.test(index!)) {
      const payload = outbox.record(Number(index));
      if (!payload) return this.#fail("not-found", `no reading at index ${index}; ${outbox.pending} waiting`, "outbox");
      return this.#reply(`${okReply("outbox record", { index: Number(index), of: outbox.pending, bytes: payload.length })} payload=${quoteBytes(payload)}`);
    }
    if (action === "clear" && args.length === 1) {
      const records = outbox.clear();
      this.#options.log.event("CN905", { records });
      return this.#reply(okReply("outbox cleared", { records }));
    }
    this.#fail("usage", "outbox | outbox read <index> | outbox clear", "outbox");
  }

  #factoryReset(args: readonly string[]): void {
    if (args.length !== 1 || args[0] !== "confirm") {
      return this.#fail(
        "confirm",
        'send "factory-reset confirm" to erase the identity, Wi-Fi, thing name, endpoint, cloud settings and unsent readings',
        "factory-reset",
      );
    }
    let erased: number;
    try {
      erased = eraseBoardSettings(this.#options.preferences);
    } catch (error) {
      return this.#fail(
        "storage",
        `preferences refused the erase (${error instanceof Error ? error.message : String(error)}); nothing was changed`,
        "factory-reset",
      );
    }
    this.#tls.dropPending();
    const readings = this.#options.outbox?.clear() ?? 0;
    this.#options.log.event("CN906", { settings: erased, readings });
    this.#reply(okReply("factory-reset done", { settings: erased, readings, restart: "required" }));
  }

  #fail(code: string, message: string, command: Command | "tls" | undefined): void {
    this.#options.log.event("CN910", { code, command });
    this.#reply(errReply(code, message));
  }

  #reply(line: string): void {
    this.#options.write(`${line}\n`);
  }
}
