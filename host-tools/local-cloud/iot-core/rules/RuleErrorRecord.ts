/** What an AWS IoT rule's error action receives: one record per rule and message (AWS's "Error action message format"). */
export interface RuleErrorRecord {
  readonly ruleName: string;
  /** The topic the original message arrived on. */
  readonly topic: string;
  /** The MQTT client ID of the publisher. */
  readonly clientId: string;
  readonly base64OriginalPayload: string;
  readonly failures: readonly RuleFailure[];
}

export interface RuleFailure {
  /** The action that failed, as AWS names it ("FirehoseAction"), or "SqlEvaluation" locally. */
  readonly failedAction: string;
  /** What the action writes to (the delivery stream), or the rule for "SqlEvaluation". */
  readonly failedResource: string;
  readonly errorMessage: string;
}
