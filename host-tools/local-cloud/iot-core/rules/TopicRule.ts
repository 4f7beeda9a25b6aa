import { readFileSync } from "node:fs";
import path from "node:path";
import type { IotSqlStatement } from "./IotSqlAst.ts";
import { IotSqlParser } from "./IotSqlParser.ts";

/** The one SQL version the local engine implements; the project's rules all declare it. */
export const SUPPORTED_SQL_VERSION = "2016-03-23";

/**
 * An AWS IoT topic rule as the local engine runs it: the rule file's SQL parsed once, the name
 * AWS knows it by (it goes into error records) and where it came from (named in errors).
 */
export class TopicRule {
  readonly name: string;
  /** What errors call the rule: its file's name, e.g. "telemetry-rule.json". */
  readonly source: string;
  readonly sql: string;
  readonly statement: IotSqlStatement;
  /** `ruleDisabled` of the rule file: a disabled rule matches no message. */
  readonly disabled: boolean;

  private constructor(name: string, source: string, sql: string, statement: IotSqlStatement, disabled: boolean) {
    this.name = name;
    this.source = source;
    this.sql = sql;
    this.statement = statement;
    this.disabled = disabled;
  }

  /** Reads a rule file shaped as the cloud stack's (`sql`, `awsIotSqlVersion`, `ruleDisabled`); `name` is the rule's AWS name. */
  static load(file: string, name: string): TopicRule {
    const source = path.basename(file);
    let definition: unknown;
    try {
      definition = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`rule ${source}: cannot read ${file}: ${(error as Error).message}`);
    }
    return TopicRule.fromDefinition(definition, name, source);
  }

  static fromDefinition(definition: unknown, name: string, source: string): TopicRule {
    if (!/^[A-Za-z0-9_]+$/.test(name))
      throw new Error(`rule ${source}: rule name ${JSON.stringify(name)} is not letters, digits and underscores, as AWS IoT requires`);
    if (typeof definition !== "object" || definition === null || Array.isArray(definition))
      throw new Error(`rule ${source}: expected a JSON object with "sql" and "awsIotSqlVersion"`);
    const { sql, awsIotSqlVersion, ruleDisabled } = definition as Record<string, unknown>;
    if (typeof sql !== "string") throw new Error(`rule ${source}: "sql" must be a string, found ${JSON.stringify(sql)}`);
    if (awsIotSqlVersion !== SUPPORTED_SQL_VERSION) {
      throw new Error(
        `rule ${source}: "awsIotSqlVersion" is ${JSON.stringify(awsIotSqlVersion)}; the local rules engine implements ${SUPPORTED_SQL_VERSION} only`,
      );
    }
    if (ruleDisabled !== undefined && typeof ruleDisabled !== "boolean")
      throw new Error(`rule ${source}: "ruleDisabled" must be true or false, found ${JSON.stringify(ruleDisabled)}`);
    return new TopicRule(name, source, sql, IotSqlParser.parse(sql, source), ruleDisabled ?? false);
  }
}
