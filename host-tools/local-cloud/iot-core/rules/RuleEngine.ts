import { evaluateStatement, RuleEvaluationError } from "./IotSqlEvaluator.ts";
import type { RuleErrorRecord } from "./RuleErrorRecord.ts";
import type { TopicRule } from "./TopicRule.ts";

/** Where a fired rule's record goes; LocalFirehose is one. It throws to refuse a record, and calls `written` once the record is durable. */
export interface RuleAction {
  put(record: string | Uint8Array, written?: () => void): void;
}

/** How the core received a message: when (the rule's timestamp()), and who to tell once the action's record is durable. */
export interface MessageReceipt {
  readonly receivedAt: number;
  readonly written?: () => void;
}

/** Takes the error record of a message the rule could not deliver. */
export interface RuleErrorAction {
  put(record: RuleErrorRecord): void;
}

export interface RuleEngineOptions {
  readonly rule: TopicRule;
  readonly action: RuleAction;
  /** How error records name the action and what it writes to, as AWS names them: "FirehoseAction" and the delivery stream. */
  readonly actionName: string;
  readonly actionResource: string;
  readonly errorAction: RuleErrorAction;
  /** The rules engine's clock, for `timestamp()`; ms since the epoch. */
  readonly now?: () => number;
}

export type RuleOutcome =
  | { readonly kind: "not-matched" }
  /** The topic matched but WHERE was not true: nothing to deliver, as in AWS. */
  | { readonly kind: "filtered" }
  | { readonly kind: "delivered" }
  | { readonly kind: "failed"; readonly error: RuleErrorRecord };

/** Stands in for the failed action when the SQL itself could not be evaluated for a message. */
const SQL_EVALUATION = "SqlEvaluation";

/**
 * Runs one topic rule over the messages the local IoT Core receives: a message on a topic its
 * FROM filter matches is evaluated, and the result goes to the action. Nothing is silently lost:
 * when the action refuses the record, or the SQL cannot be evaluated for the message (a payload
 * that is not JSON where the SELECT list reads it as JSON), the error action receives AWS's error
 * record for it, with the original payload in base64 and the reason.
 *
 * AWS itself sends only action failures to the error action and reports SQL evaluation failures in
 * AWS IoT logs; locally both go to the error action (the latter as failedAction "SqlEvaluation"),
 * so a developer sees every message the lake did not get in one place.
 */
export class RuleEngine {
  readonly rule: TopicRule;
  readonly #action: RuleAction;
  readonly #actionName: string;
  readonly #actionResource: string;
  readonly #errorAction: RuleErrorAction;
  readonly #now: () => number;

  constructor(options: RuleEngineOptions) {
    this.rule = options.rule;
    this.#action = options.action;
    this.#actionName = options.actionName;
    this.#actionResource = options.actionResource;
    this.#errorAction = options.errorAction;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a message on `topic` activates the rule: it is enabled and its FROM filter matches. */
  matches(topic: string): boolean {
    return !this.rule.disabled && this.rule.statement.from.matches(topic);
  }

  /** Runs the rule for one message. Throws only if the error action itself fails. */
  message(topic: string, clientId: string, payload: Uint8Array, receipt?: MessageReceipt): RuleOutcome {
    if (!this.matches(topic)) return { kind: "not-matched" };
    let record: string | Uint8Array;
    try {
      const result = evaluateStatement(this.rule.statement, { topic, clientId, payload }, receipt ? () => receipt.receivedAt : this.#now);
      if (!result.fired) return { kind: "filtered" };
      record = result.record;
    } catch (error) {
      // A payload nested deeper than the evaluator's stack is a message the SQL cannot be evaluated for, not a reason to lose it.
      const detail =
        error instanceof RuleEvaluationError
          ? error.message
          : error instanceof RangeError
            ? `the payload is nested too deeply to evaluate (${error.message})`
            : undefined;
      if (detail === undefined) throw error;
      return this.#fail(topic, clientId, payload, SQL_EVALUATION, this.rule.name, detail);
    }
    try {
      this.#action.put(record, receipt?.written);
    } catch (error) {
      return this.#fail(topic, clientId, payload, this.#actionName, this.#actionResource, (error as Error).message);
    }
    return { kind: "delivered" };
  }

  #fail(topic: string, clientId: string, payload: Uint8Array, failedAction: string, failedResource: string, errorMessage: string): RuleOutcome {
    const error: RuleErrorRecord = {
      ruleName: this.rule.name,
      topic,
      clientId,
      base64OriginalPayload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("base64"),
      failures: [{ failedAction, failedResource, errorMessage }],
    };
    this.#errorAction.put(error);
    return { kind: "failed", error };
  }
}
