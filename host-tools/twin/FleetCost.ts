/**
 * AWS IoT Core's list prices in us-east-1 (https://aws.amazon.com/iot-core/pricing/, first
 * pricing tier; other regions differ by a few per cent). Messaging is metered per message in
 * 5 KB increments, Device Shadow operations in 1 KB increments; a reading's message is under
 * 1 KB, a replayed batch at most 5,000 bytes, so each is one unit.
 */
export const IOT_CORE_PRICES_USD = Object.freeze({
  perMillionMessages: 1.0,
  perMillionConnectionMinutes: 0.08,
  perMillionShadowOperations: 1.25,
  perMillionRulesTriggered: 0.15,
  perMillionRuleActions: 0.15,
});

/**
 * What a board adds on each connection, from the firmware's session: it publishes a shadow get
 * and receives the answer, then publishes its reported state (3 messages, 2 shadow operations).
 * The update's `accepted` answer is not subscribed to, so it is neither delivered nor billed.
 */
const MESSAGES_PER_CONNECTION = 3;
const SHADOW_OPERATIONS_PER_CONNECTION = 2;

export interface FleetRun {
  readonly boards: number;
  readonly durationMs: number;
  readonly sampleIntervalMs: number;
}

export interface FleetCostEstimate {
  /** Telemetry messages: one a reading, each board sampling for the whole run. */
  readonly readings: number;
  readonly messages: number;
  readonly shadowOperations: number;
  readonly connectionMinutes: number;
  /** The telemetry rule runs once per telemetry message, with one action (Firehose). */
  readonly rulesTriggered: number;
  readonly usd: { readonly messaging: number; readonly shadow: number; readonly connectivity: number; readonly rules: number; readonly total: number };
}

/** The IoT Core bill of a simulated fleet's run, estimated before it starts: an upper bound for a run whose boards all stay connected (each connects once). */
export function estimateFleetCost(run: FleetRun): FleetCostEstimate {
  if (!(run.boards >= 1 && run.durationMs > 0 && run.sampleIntervalMs > 0))
    throw new RangeError(`a fleet run needs boards, a duration and an interval above 0, not ${JSON.stringify(run)}`);
  const readings = run.boards * Math.floor(run.durationMs / run.sampleIntervalMs);
  const messages = readings + run.boards * MESSAGES_PER_CONNECTION;
  const shadowOperations = run.boards * SHADOW_OPERATIONS_PER_CONNECTION;
  const connectionMinutes = run.boards * Math.ceil(run.durationMs / 60_000);
  const p = IOT_CORE_PRICES_USD;
  const messaging = (messages / 1e6) * p.perMillionMessages;
  const shadow = (shadowOperations / 1e6) * p.perMillionShadowOperations;
  const connectivity = (connectionMinutes / 1e6) * p.perMillionConnectionMinutes;
  const rules = (readings / 1e6) * (p.perMillionRulesTriggered + p.perMillionRuleActions);
  return {
    readings,
    messages,
    shadowOperations,
    connectionMinutes,
    rulesTriggered: readings,
    usd: { messaging, shadow, connectivity, rules, total: messaging + shadow + connectivity + rules },
  };
}

/** The estimate as the operator reads it before the run. */
export function describeFleetCost(run: FleetRun, estimate: FleetCostEstimate): string {
  const usd = (value: number): string => `$${value.toFixed(value < 1 ? 4 : 2)}`;
  const { usd: cost } = estimate;
  return [
    `cost estimate for ${run.boards} boards × ${run.durationMs / 1000} s at one reading every ${run.sampleIntervalMs / 1000} s (AWS IoT Core list prices, us-east-1):`,
    `  messages          ${estimate.messages} (${estimate.readings} readings + ${estimate.messages - estimate.readings} shadow)  × $${IOT_CORE_PRICES_USD.perMillionMessages}/million = ${usd(cost.messaging)}`,
    `  shadow operations ${estimate.shadowOperations}  × $${IOT_CORE_PRICES_USD.perMillionShadowOperations}/million = ${usd(cost.shadow)}`,
    `  connection time   ${estimate.connectionMinutes} minutes  × $${IOT_CORE_PRICES_USD.perMillionConnectionMinutes}/million = ${usd(cost.connectivity)}`,
    `  rules             ${estimate.rulesTriggered} triggered, as many actions  × $${IOT_CORE_PRICES_USD.perMillionRulesTriggered + IOT_CORE_PRICES_USD.perMillionRuleActions}/million = ${usd(cost.rules)}`,
    `  total             ${usd(cost.total)} (Firehose, S3 and the ETL are billed apart)`,
  ].join("\n");
}
