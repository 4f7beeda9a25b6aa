import { readFileSync } from "node:fs";
import { PolicyPattern } from "./PolicyPattern.ts";

/** Who is asking, as AWS IoT Core knows a connection when it evaluates a policy. */
export interface IotPolicyContext {
  /** The MQTT client ID: `${iot:ClientId}`. */
  readonly clientId: string;
  /**
   * The registry thing the connection's certificate is attached to: `${iot:Connection.Thing.ThingName}`.
   * Absent when no thing is attached; then `iot:Connection.Thing.IsAttached` is false and the
   * thing variables have no value, so no resource that uses them matches.
   */
  readonly thingName?: string;
  /** `${AWS::Region}` and `${AWS::AccountId}`, which the cloud stack substitutes at deploy time, and the region and account of every resource ARN. */
  readonly region: string;
  readonly accountId: string;
}

/** The outcome, and the statement that decided it (none when nothing allowed the request: the implicit deny). */
export interface PolicyDecision {
  readonly allowed: boolean;
  readonly statement?: string;
}

type Effect = "Allow" | "Deny";

interface Statement {
  readonly name: string;
  readonly effect: Effect;
  readonly actions: readonly PolicyPattern[];
  readonly resources: readonly PolicyPattern[];
  /** Each must hold (IAM ANDs condition operators and keys). */
  readonly conditions: readonly ((context: IotPolicyContext) => boolean)[];
}

const VERSION = "2012-10-17";
const THING_NAME = "iot:Connection.Thing.ThingName";
const CLIENT_ID = "iot:ClientId";
const REGION = "AWS::Region";
const ACCOUNT_ID = "AWS::AccountId";
const IS_ATTACHED = "iot:Connection.Thing.IsAttached";

const RESOURCE_VARIABLES = new Map([THING_NAME, CLIENT_ID, REGION, ACCOUNT_ID].map((name) => [name.toLowerCase(), name]));
const NO_VARIABLES = new Map<string, string>();
/** `iot:Publish`, `iot:*`, `*`: IAM action names, where only the wildcards may stand in for letters. */
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "Resource", "Condition"]);
/** Real IAM elements this evaluator does not implement: refused by name rather than ignored, which would grant or deny the wrong things. */
const UNSUPPORTED_KEYS = new Set(["NotAction", "NotResource", "Principal", "NotPrincipal"]);

function variableValue(name: string, context: IotPolicyContext): string | undefined {
  switch (name) {
    case THING_NAME:
      return context.thingName;
    case CLIENT_ID:
      return context.clientId;
    case REGION:
      return context.region;
    case ACCOUNT_ID:
      return context.accountId;
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string or a non-empty array of strings, as IAM allows for Action, Resource and condition values. */
function strings(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error(`${what} is an empty list`);
  return list.map((item, i) => {
    if (typeof item !== "string") throw new Error(`${what}${Array.isArray(value) ? `[${i}]` : ""} must be a string, not ${JSON.stringify(item)}`);
    return item;
  });
}

function parseBoolCondition(block: unknown, where: string): ((context: IotPolicyContext) => boolean)[] {
  if (!isRecord(block)) throw new Error(`${where} must map condition keys to values`);
  return Object.entries(block).map(([key, raw]) => {
    if (key.toLowerCase() !== IS_ATTACHED.toLowerCase())
      throw new Error(`${where} uses the condition key "${key}", which is not supported (supported: ${IS_ATTACHED})`);
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) throw new Error(`${where}."${key}" is an empty list`);
    const wanted = list.map((value) => {
      const text = typeof value === "boolean" ? String(value) : typeof value === "string" ? value.toLowerCase() : undefined;
      if (text !== "true" && text !== "false") throw new Error(`${where}."${key}" must be "true" or "false", not ${JSON.stringify(value)}`);
      return text === "true";
    });
    return (context) => wanted.includes(context.thingName !== undefined);
  });
}

function parseConditions(value: unknown, where: string): ((context: IotPolicyContext) => boolean)[] {
  if (value === undefined) return [];
  if (!isRecord(value)) throw new Error(`${where} must be an object of condition operators`);
  return Object.entries(value).flatMap(([operator, block]) => {
    if (operator !== "Bool") throw new Error(`${where} uses the condition operator "${operator}", which is not supported (supported: Bool)`);
    return parseBoolCondition(block, `${where}.Bool`);
  });
}

function parseStatement(value: unknown, index: number, source: string): Statement {
  const position = `Statement[${index}]`;
  const sid = isRecord(value) && typeof value.Sid === "string" ? value.Sid : undefined;
  const name = sid ?? position;
  const prefix = `${source}: statement ${sid ? `"${sid}" (${position})` : position}`;
  try {
    if (!isRecord(value)) throw new Error("is not an object");
    for (const key of Object.keys(value)) {
      if (UNSUPPORTED_KEYS.has(key)) throw new Error(`uses ${key}, which this evaluator does not support; use Action and Resource`);
      if (!STATEMENT_KEYS.has(key)) throw new Error(`has the unknown element "${key}" (expected ${[...STATEMENT_KEYS].join(", ")})`);
    }
    if (value.Sid !== undefined && typeof value.Sid !== "string") throw new Error("has a Sid that is not a string");
    if (value.Effect !== "Allow" && value.Effect !== "Deny") throw new Error(`has Effect ${JSON.stringify(value.Effect)}; it must be "Allow" or "Deny"`);
    if (value.Action === undefined) throw new Error("has no Action");
    if (value.Resource === undefined) throw new Error("has no Resource");
    const actions = strings(value.Action, "Action").map((action) => {
      if (!ACTION.test(action)) throw new Error(`has the action "${action}", which is not of the form service:Name (e.g. iot:Publish, iot:*)`);
      return PolicyPattern.compile(action, NO_VARIABLES, "Action");
    });
    const resources = strings(value.Resource, "Resource").map((resource) => PolicyPattern.compile(resource, RESOURCE_VARIABLES, "Resource"));
    return { name, effect: value.Effect, actions, resources, conditions: parseConditions(value.Condition, "Condition") };
  } catch (error) {
    throw new Error(`${prefix} ${(error as Error).message}`);
  }
}

/**
 * An AWS IoT Core policy document, evaluated as AWS does: a request is allowed when some Allow
 * statement matches its action, resource and conditions and no Deny statement does; anything no
 * statement allows is denied. The local IoT Core uses the very file the cloud stack deploys.
 */
export class IotPolicy {
  /** Where the document came from, for messages. */
  readonly source: string;
  readonly #statements: readonly Statement[];

  private constructor(source: string, statements: readonly Statement[]) {
    this.source = source;
    this.#statements = statements;
  }

  static load(file: string): IotPolicy {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`cannot read the IoT policy ${file}: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new Error(`the IoT policy ${file} is not valid JSON: ${(error as Error).message}`);
    }
    return IotPolicy.parse(document, file);
  }

  /** Checks the whole document up front, so a construct this evaluator does not implement is an error now rather than a wrong answer later. */
  static parse(document: unknown, source: string): IotPolicy {
    if (!isRecord(document)) throw new Error(`${source}: an IoT policy must be a JSON object`);
    for (const key of Object.keys(document)) {
      if (key !== "Version" && key !== "Statement" && key !== "Id")
        throw new Error(`${source}: unknown top-level element "${key}" (expected Version, Statement, Id)`);
    }
    // Policy variables exist only in this version; under the older one `${…}` would be plain text.
    if (document.Version !== VERSION) throw new Error(`${source}: Version is ${JSON.stringify(document.Version)}; this evaluator supports "${VERSION}" only`);
    const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement === undefined ? [] : [document.Statement];
    if (statements.length === 0) throw new Error(`${source}: the policy has no Statement, so it would deny everything`);
    return new IotPolicy(
      source,
      statements.map((statement, index) => parseStatement(statement, index, source)),
    );
  }

  /**
   * `action` is an IoT action such as `iot:Publish`; `resource` is the resource part of its ARN,
   * such as `topic/dt/aqm/board-1/telemetry`, `topicfilter/cmd/aqm/board-1/#` or `client/board-1`.
   */
  decide(action: string, resource: string, context: IotPolicyContext): PolicyDecision {
    const arn = `arn:aws:iot:${context.region}:${context.accountId}:${resource}`;
    const values = (name: string): string | undefined => variableValue(name, context);
    let allowedBy: string | undefined;
    for (const statement of this.#statements) {
      const applies =
        statement.actions.some((pattern) => pattern.matches(action, values, { ignoreCase: true })) &&
        statement.resources.some((pattern) => pattern.matches(arn, values)) &&
        statement.conditions.every((holds) => holds(context));
      if (!applies) continue;
      if (statement.effect === "Deny") return { allowed: false, statement: statement.name };
      allowedBy ??= statement.name;
    }
    return allowedBy === undefined ? { allowed: false } : { allowed: true, statement: allowedBy };
  }

  allows(action: string, resource: string, context: IotPolicyContext): boolean {
    return this.decide(action, resource, context).allowed;
  }
}
