import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { ERROR_PREFIX } from "../../../../cloud/lib/lakePrefixes.ts";
import { renderFirehosePrefix } from "../FirehosePrefix.ts";
import type { RuleErrorAction } from "./RuleEngine.ts";
import type { RuleErrorRecord } from "./RuleErrorRecord.ts";

/** The error-output-type the local rule errors are filed under; Firehose's own types (processing-failed, …) are for its delivery errors. */
export const RULE_ERROR_OUTPUT_TYPE = "iot-rule-error";

export interface RuleErrorFileOptions {
  readonly lakeDir: string;
  readonly now?: () => number;
}

/**
 * A rule's error action for the local twin: each error record is appended as one line of JSON to
 * `<lake>/errors/iot-rule-error/year=…/month=…/day=…/<rule name>.ndjson` (UTC day it happened),
 * synchronously, so a record is on disk before the message's handling returns. (In the cloud the
 * rule's error action is a CloudWatch Logs group; the lake's errors/ prefix is where a developer
 * looking at the local lake will find them.)
 */
export class RuleErrorFile implements RuleErrorAction {
  readonly #lakeDir: string;
  readonly #now: () => number;
  #written = 0;

  constructor(options: RuleErrorFileOptions) {
    this.#lakeDir = options.lakeDir;
    this.#now = options.now ?? Date.now;
  }

  get recordsWritten(): number {
    return this.#written;
  }

  /** The file a record of `ruleName` written at `epochMs` goes to. */
  fileFor(ruleName: string, epochMs: number): string {
    const prefix = renderFirehosePrefix(ERROR_PREFIX, epochMs, RULE_ERROR_OUTPUT_TYPE);
    return path.join(this.#lakeDir, ...prefix.split("/").filter(Boolean), `${ruleName}.ndjson`);
  }

  put(record: RuleErrorRecord): void {
    const file = this.fileFor(record.ruleName, this.#now());
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, JSON.stringify(record) + "\n");
    this.#written++;
  }
}
