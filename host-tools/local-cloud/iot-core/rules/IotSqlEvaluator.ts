import type { ComparisonOperator, Expression, IotSqlStatement } from "./IotSqlAst.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A value in AWS IoT SQL: a JSON value, or `undefined` for AWS's Undefined (a missing field; left out of the output). */
export type SqlValue = JsonValue | undefined;

export interface RuleMessage {
  readonly topic: string;
  /** The MQTT client ID of the publisher. */
  readonly clientId: string;
  readonly payload: Uint8Array;
}

/** What the rule sends its action: nothing when WHERE is not true, else one record. */
export type RuleResult = { readonly fired: false } | { readonly fired: true; readonly record: string | Uint8Array };

/** The statement could not be evaluated for this message (AWS IoT logs these; the local engine hands them to the error action). */
export class RuleEvaluationError extends Error {}

type Parsed = { readonly json: true; readonly value: JsonValue } | { readonly json: false; readonly reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Strings AWS IoT converts to a number where a number is compared (its Data types page, "To decimal"). */
const NUMERIC_STRING = /^-?\d+(\.\d+)?([eE]-?\d+)?$/;

/** The payload as JSON, parsed once and only if the statement reads it. An empty payload reads as `{}`, to which SELECT can add data (AWS's binary-payloads page). */
function parsePayload(payload: Uint8Array): Parsed {
  if (payload.length === 0) return { json: true, value: {} };
  try {
    return { json: true, value: JSON.parse(utf8.decode(payload)) as JsonValue };
  } catch (error) {
    return { json: false, reason: error instanceof TypeError ? "it is not UTF-8 text" : `it is not JSON (${(error as Error).message})` };
  }
}

function isObject(value: SqlValue): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]!));
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key]!, b[key]!));
  }
  return a === b;
}

/** A number, or a string AWS would convert to one; otherwise undefined. */
function asNumber(value: SqlValue): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && NUMERIC_STRING.test(value)) return Number(value);
  return undefined;
}

/** Booleans, and the strings "true"/"false" in any case, as AWS's AND, OR and NOT take them; anything else is Undefined. */
function asBoolean(value: SqlValue): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return undefined;
}

function compare(operator: ComparisonOperator, left: SqlValue, right: SqlValue): SqlValue {
  if (left === undefined || right === undefined) return undefined;
  const leftNumber = asNumber(left);
  const rightNumber = asNumber(right);
  const numeric = (typeof left === "number" || typeof right === "number") && leftNumber !== undefined && rightNumber !== undefined;
  if (operator === "=" || operator === "<>") {
    const equal = numeric ? leftNumber === rightNumber : jsonEqual(left, right);
    return operator === "=" ? equal : !equal;
  }
  let order: number;
  if (numeric) order = leftNumber! - rightNumber!;
  else if (typeof left === "string" && typeof right === "string") order = left < right ? -1 : left > right ? 1 : 0;
  else return undefined;
  switch (operator) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
}

/**
 * Evaluates a parsed statement for one message, with AWS IoT's semantics for the subset:
 * WHERE is evaluated first and the rule fires only when it is true (or the string "true", which
 * AWS's logical operators take as true; false, Undefined and other values do not fire); a field missing from the payload is Undefined and its item is left out of the output;
 * `topic(n)` is the n-th level counting from 1; `timestamp()` is `now()` in ms since the epoch.
 *
 * `SELECT *` on its own passes a payload that is not JSON through as its raw bytes, as AWS does
 * for binary payloads; a JSON payload goes out re-serialised on one line. When the SELECT list
 * reads the payload as JSON (a field, or `*` with other items) a payload that is not JSON is a
 * RuleEvaluationError. In WHERE, such a payload's fields are Undefined (AWS's binary-payloads
 * page allows WHERE on fields with `SELECT *`).
 */
export function evaluateStatement(statement: IotSqlStatement, message: RuleMessage, now: () => number): RuleResult {
  let parsed: Parsed | undefined;
  const payload = (): Parsed => (parsed ??= parsePayload(message.payload));

  const evaluate = (expression: Expression, clause: "SELECT" | "WHERE"): SqlValue => {
    switch (expression.kind) {
      case "literal":
        return expression.value;
      case "field": {
        const body = payload();
        if (!body.json) {
          if (clause === "WHERE") return undefined;
          throw new RuleEvaluationError(
            `SELECT reads the field ${expression.path.join(".")} but the payload of ${message.payload.length} bytes is not JSON: ${body.reason}`,
          );
        }
        let value: SqlValue = body.value;
        for (const key of expression.path) value = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
        return value;
      }
      case "call":
        switch (expression.name) {
          case "topic": {
            const segment = expression.args[0];
            if (segment === undefined) return message.topic;
            return message.topic.split("/")[(evaluate(segment, clause) as number) - 1];
          }
          case "clientid":
            return message.clientId;
          case "timestamp":
            return now();
          case "isnull":
            return evaluate(expression.args[0]!, clause) === null;
          case "isundefined":
            return evaluate(expression.args[0]!, clause) === undefined;
        }
      case "compare":
        return compare(expression.operator, evaluate(expression.left, clause), evaluate(expression.right, clause));
      case "and":
      case "or": {
        const left = asBoolean(evaluate(expression.left, clause));
        const right = asBoolean(evaluate(expression.right, clause));
        if (left === undefined || right === undefined) return undefined;
        return expression.kind === "and" ? left && right : left || right;
      }
      case "not": {
        const operand = asBoolean(evaluate(expression.operand, clause));
        return operand === undefined ? undefined : !operand;
      }
    }
  };

  if (statement.where !== undefined && asBoolean(evaluate(statement.where, "WHERE")) !== true) return { fired: false };

  const [first] = statement.select;
  if (statement.select.length === 1 && first?.kind === "all") {
    const body = payload();
    return { fired: true, record: body.json ? JSON.stringify(body.value) : message.payload };
  }
  // A Map, not an object literal, so payload keys such as "__proto__" stay plain keys.
  const output = new Map<string, JsonValue>();
  for (const item of statement.select) {
    if (item.kind === "all") {
      const body = payload();
      if (!body.json)
        throw new RuleEvaluationError(
          `SELECT * with other items needs a JSON object payload, but the payload of ${message.payload.length} bytes is not JSON: ${body.reason}`,
        );
      if (!isObject(body.value))
        throw new RuleEvaluationError(
          `SELECT * with other items needs a JSON object payload, but the payload is a JSON ${Array.isArray(body.value) ? "array" : body.value === null ? "null" : typeof body.value}`,
        );
      for (const [key, value] of Object.entries(body.value)) output.set(key, value);
    } else {
      const value = evaluate(item.expression, "SELECT");
      if (value !== undefined) output.set(item.name, value);
    }
  }
  return { fired: true, record: JSON.stringify(Object.fromEntries(output)) };
}
