import type { ComparisonOperator, Expression, FunctionName, IotSqlStatement, SelectItem } from "./IotSqlAst.ts";
import { IotSqlError } from "./IotSqlError.ts";
import { tokenize, type Keyword, type Punctuation, type Token } from "./IotSqlTokenizer.ts";
import { TopicFilter, TopicFilterError } from "./TopicFilter.ts";

const COMPARISONS: readonly string[] = ["=", "<>", "<", "<=", ">", ">="] satisfies readonly ComparisonOperator[];

/** Arity of each supported function: the fewest and most arguments it takes. */
const FUNCTIONS: ReadonlyMap<string, { name: FunctionName; min: number; max: number }> = new Map([
  ["topic", { name: "topic", min: 0, max: 1 }],
  ["clientid", { name: "clientid", min: 0, max: 0 }],
  ["timestamp", { name: "timestamp", min: 0, max: 0 }],
  ["isnull", { name: "isnull", min: 1, max: 1 }],
  ["isundefined", { name: "isundefined", min: 1, max: 1 }],
]);

function describe(token: Token): string {
  switch (token.kind) {
    case "keyword":
      return token.keyword;
    case "identifier":
      return token.name;
    case "string":
      return `'${token.value}'`;
    case "number":
      return token.text;
    case "symbol":
      return token.symbol;
    case "end":
      return "the end of the statement";
  }
}

/**
 * Parses the subset of AWS IoT SQL (version 2016-03-23) the project's rules use:
 *
 *   SELECT item [, item]* FROM '<topic filter>' [WHERE condition]
 *
 * An item is `*` or an expression with `AS name` (a bare field path is named by its last
 * segment, as AWS names it). Expressions: field paths (`a`, `a.b`), string, number, boolean and
 * NULL literals, `topic()`, `topic(n)`, `clientid()`, `timestamp()`, `isNull(x)`,
 * `isUndefined(x)`, comparisons (= <> < <= > >=), AND, OR, NOT and parentheses. Anything else is an
 * IotSqlError naming the column, so a rule never half-runs locally.
 */
export class IotSqlParser {
  readonly #tokens: Token[];
  readonly #source: string;
  #at = 0;

  private constructor(sql: string, source: string) {
    this.#source = source;
    this.#tokens = tokenize(sql, source);
  }

  /** `source` names the rule in errors, e.g. its file name. */
  static parse(sql: string, source: string): IotSqlStatement {
    return new IotSqlParser(sql, source).#statement();
  }

  #statement(): IotSqlStatement {
    this.#expectKeyword("SELECT");
    const select = this.#selectList();
    this.#expectKeyword("FROM");
    const from = this.#topicFilter();
    let where: Expression | undefined;
    if (this.#takeKeyword("WHERE")) where = this.#expression();
    const end = this.#peek();
    if (end.kind !== "end") throw this.#error(`unexpected ${describe(end)} after the statement`, end.column);
    return where === undefined ? { select, from } : { select, from, where };
  }

  #selectList(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const first = this.#peek();
      if (this.#takeSymbol("*")) {
        if (items.some((item) => item.kind === "all")) throw this.#error("* is selected twice", first.column);
        items.push({ kind: "all", column: first.column });
        continue;
      }
      const expression = this.#expression();
      let name: string;
      if (this.#takeKeyword("AS")) name = this.#identifier("a name after AS");
      else if (expression.kind === "field") name = expression.path.at(-1)!;
      else throw this.#error("a selected value that is not a field needs a name: add AS <name>", first.column);
      items.push({ kind: "value", expression, name, column: first.column });
    } while (this.#takeSymbol(","));
    return items;
  }

  #topicFilter(): TopicFilter {
    const token = this.#next();
    if (token.kind !== "string") throw this.#error(`expected the topic filter in single quotes after FROM, found ${describe(token)}`, token.column);
    try {
      return TopicFilter.parse(token.value);
    } catch (error) {
      if (error instanceof TopicFilterError) throw this.#error(`topic filter '${token.value}': ${error.message}`, token.column + error.position);
      throw error;
    }
  }

  #expression(): Expression {
    let left = this.#conjunction();
    for (let column = this.#peek().column; this.#takeKeyword("OR"); column = this.#peek().column) {
      left = { kind: "or", left, right: this.#conjunction(), column };
    }
    return left;
  }

  /** AND binds tighter than OR, as in SQL. */
  #conjunction(): Expression {
    let left = this.#negation();
    for (let column = this.#peek().column; this.#takeKeyword("AND"); column = this.#peek().column) {
      left = { kind: "and", left, right: this.#negation(), column };
    }
    return left;
  }

  #negation(): Expression {
    const column = this.#peek().column;
    if (this.#takeKeyword("NOT")) return { kind: "not", operand: this.#negation(), column };
    return this.#comparison();
  }

  #comparison(): Expression {
    const left = this.#primary();
    const token = this.#peek();
    if (token.kind !== "symbol" || !COMPARISONS.includes(token.symbol)) return left;
    this.#at++;
    const right = this.#primary();
    const after = this.#peek();
    if (after.kind === "symbol" && COMPARISONS.includes(after.symbol))
      throw this.#error(`unsupported chained comparison ${after.symbol} (use AND)`, after.column);
    return { kind: "compare", operator: token.symbol as ComparisonOperator, left, right, column: token.column };
  }

  #primary(): Expression {
    const token = this.#next();
    switch (token.kind) {
      case "symbol":
        if (token.symbol === "(") {
          const inner = this.#expression();
          this.#expectSymbol(")");
          return inner;
        }
        if (token.symbol === "-") {
          const number = this.#next();
          if (number.kind !== "number") throw this.#error("unsupported operator - (only negative number literals)", token.column);
          return { kind: "literal", value: -this.#number(number.text, token.column), column: token.column };
        }
        if (token.symbol === "*") throw this.#error("unsupported use of * (only SELECT * on its own item)", token.column);
        break;
      case "string":
        return { kind: "literal", value: token.value, column: token.column };
      case "number":
        return { kind: "literal", value: this.#number(token.text, token.column), column: token.column };
      case "keyword":
        if (token.keyword === "TRUE" || token.keyword === "FALSE") return { kind: "literal", value: token.keyword === "TRUE", column: token.column };
        if (token.keyword === "NULL") return { kind: "literal", value: null, column: token.column };
        break;
      case "identifier":
        return this.#peekSymbol("(") ? this.#call(token.name, token.column) : this.#field(token.name, token.column);
      case "end":
        break;
    }
    throw this.#error(`expected a value, found ${describe(token)}`, token.column);
  }

  #call(written: string, column: number): Expression {
    const spec = FUNCTIONS.get(written.toLowerCase());
    if (spec === undefined) throw this.#error(`unsupported function ${written}()`, column);
    this.#expectSymbol("(");
    const args: Expression[] = [];
    if (!this.#takeSymbol(")")) {
      do args.push(this.#expression());
      while (this.#takeSymbol(","));
      this.#expectSymbol(")");
    }
    if (args.length < spec.min || args.length > spec.max) {
      const takes = spec.min === spec.max ? `${spec.min}` : `${spec.min} or ${spec.max}`;
      throw this.#error(`${written}() takes ${takes} argument${spec.max === 1 ? "" : "s"}, not ${args.length}`, column);
    }
    const segment = args[0];
    if (
      spec.name === "topic" &&
      segment !== undefined &&
      !(segment.kind === "literal" && typeof segment.value === "number" && Number.isInteger(segment.value) && segment.value >= 1)
    ) {
      throw this.#error(`${written}() takes a topic level number from 1 (the subset takes a literal)`, segment.column);
    }
    if (this.#peekSymbol(".")) throw this.#error(`unsupported field access on the result of ${written}()`, this.#peek().column);
    return { kind: "call", name: spec.name, args, column };
  }

  #field(first: string, column: number): Expression {
    const path = [first];
    while (this.#takeSymbol(".")) path.push(this.#identifier("a field name after ."));
    return { kind: "field", path, column };
  }

  #number(text: string, column: number): number {
    const value = Number(text);
    if (!Number.isFinite(value)) throw this.#error(`number ${text} is out of range`, column);
    return value;
  }

  #identifier(what: string): string {
    const token = this.#next();
    if (token.kind !== "identifier") throw this.#error(`expected ${what}, found ${describe(token)}`, token.column);
    return token.name;
  }

  #expectKeyword(keyword: Keyword): void {
    const token = this.#peek();
    if (!this.#takeKeyword(keyword)) throw this.#error(`expected ${keyword}, found ${describe(token)}`, token.column);
  }

  #expectSymbol(symbol: Punctuation): void {
    const token = this.#peek();
    if (!this.#takeSymbol(symbol)) throw this.#error(`expected ${symbol}, found ${describe(token)}`, token.column);
  }

  #takeKeyword(keyword: Keyword): boolean {
    const token = this.#peek();
    if (token.kind !== "keyword" || token.keyword !== keyword) return false;
    this.#at++;
    return true;
  }

  #takeSymbol(symbol: Punctuation): boolean {
    if (!this.#peekSymbol(symbol)) return false;
    this.#at++;
    return true;
  }

  #peekSymbol(symbol: Punctuation): boolean {
    const token = this.#peek();
    return token.kind === "symbol" && token.symbol === symbol;
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== "end") this.#at++;
    return token;
  }

  #error(detail: string, column: number): IotSqlError {
    return new IotSqlError(this.#source, detail, column);
  }
}
