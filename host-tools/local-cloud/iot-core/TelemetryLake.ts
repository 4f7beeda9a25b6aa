import { RAW_PREFIX } from "../../../cloud/lib/lakePrefixes.ts";
import { LocalFirehose, TELEMETRY_STREAM_NAME } from "./LocalFirehose.ts";
import { RuleEngine, type MessageReceipt, type RuleOutcome } from "./rules/RuleEngine.ts";
import { RuleErrorFile } from "./rules/RuleErrorFile.ts";
import { loadTelemetryTopicRule, TELEMETRY_ACTION_NAME } from "./rules/TelemetryRule.ts";

export interface TelemetryLakeOptions {
  /**
   * The lake folder: the Firehose's objects go under the cloud stack's raw prefix, so the lake's
   * keys are the bucket's, and the rule's error records under errors/.
   */
  readonly dir: string;
  /**
   * The Firehose buffer interval; by default 5 s rather than the cloud's 60 s, so a developer (and
   * the twin's curation loop) sees a reading in the lake seconds after the board sent it.
   */
  readonly bufferMs?: number;
}

export interface TelemetryLakeFigures {
  readonly dir: string;
  /** Messages on a topic the telemetry rule reads, whatever became of them. */
  readonly messages: number;
  /** Records the Firehose wrote into the raw lake (a message each), and the objects holding them. */
  readonly records: number;
  readonly objects: number;
  /** Messages the rule could not deliver, each an error record under errors/. */
  readonly errors: number;
}

/** What became of a message on a topic the rule reads. */
export type TelemetryLakeOutcome =
  | { readonly kind: "delivered" }
  /** The rule's WHERE was not true: nothing to deliver, as in AWS. */
  | { readonly kind: "filtered" }
  /** `recorded`: its error record is under errors/; when false even that failed and only `detail` tells of it. */
  | { readonly kind: "undelivered"; readonly detail: string; readonly recorded: boolean };

const DEFAULT_BUFFER_MS = 5_000;

/**
 * The cloud's telemetry path, run locally: the topic rule the stack deploys
 * (cloud/iot/telemetry-rule.json), its Firehose action into the lake's raw prefix, and its error
 * action into the lake's errors/ prefix.
 */
export class TelemetryLake {
  readonly #dir: string;
  readonly #firehose: LocalFirehose;
  readonly #errors: RuleErrorFile;
  readonly #rule: RuleEngine;
  #messages = 0;
  #closed = false;

  constructor(options: TelemetryLakeOptions) {
    const bufferMs = options.bufferMs ?? DEFAULT_BUFFER_MS;
    if (options.dir === "") throw new Error("the local IoT Core's lake.dir is empty; give the folder the lake is written to");
    if (!(Number.isFinite(bufferMs) && bufferMs > 0))
      throw new Error(`the local IoT Core's lake.bufferMs must be a positive number of milliseconds, got ${String(bufferMs)}`);
    this.#dir = options.dir;
    this.#firehose = new LocalFirehose({ lakeDir: options.dir, prefix: RAW_PREFIX, streamName: TELEMETRY_STREAM_NAME, bufferMs });
    this.#errors = new RuleErrorFile({ lakeDir: options.dir });
    this.#rule = new RuleEngine({
      rule: loadTelemetryTopicRule(),
      action: this.#firehose,
      actionName: TELEMETRY_ACTION_NAME,
      actionResource: TELEMETRY_STREAM_NAME,
      errorAction: this.#errors,
    });
  }

  get ruleName(): string {
    return this.#rule.rule.name;
  }

  get figures(): TelemetryLakeFigures {
    return {
      dir: this.#dir,
      messages: this.#messages,
      records: this.#firehose.recordsWritten,
      objects: this.#firehose.objectsWritten,
      errors: this.#errors.recordsWritten,
    };
  }

  /** Whether `close()` was called: the Firehose takes no more records. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the rule reads messages on `topic`. */
  reads(topic: string): boolean {
    return this.#rule.matches(topic);
  }

  /**
   * Runs the rule for one accepted PUBLISH; undefined when the rule does not read its topic.
   * `receipt.written` is called once the lake durably holds what became of it: its record in
   * raw/, its error record under errors/, or nothing at all when the rule's WHERE filtered it out.
   */
  message(topic: string, clientId: string, payload: Uint8Array, receipt?: MessageReceipt): TelemetryLakeOutcome | undefined {
    let outcome: RuleOutcome;
    try {
      outcome = this.#rule.message(topic, clientId, payload, receipt);
    } catch (error) {
      // The engine throws only when its error action failed too, so the message is lost but for this.
      this.#messages++;
      return { kind: "undelivered", recorded: false, detail: `no error record holds it: ${(error as Error).message}` };
    }
    if (outcome.kind === "not-matched") return undefined;
    this.#messages++;
    if (outcome.kind !== "delivered") receipt?.written?.();
    if (outcome.kind === "failed")
      return { kind: "undelivered", recorded: true, detail: outcome.error.failures.map((failure) => failure.errorMessage).join("; ") };
    return outcome;
  }

  /** Writes out every record the Firehose still buffers; rejects if that write fails, and can be called again to retry. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#firehose.close();
  }
}
