import { IotSqlError } from "./IotSqlError.ts";

/** Words the subset gives a meaning to; matched case-insensitively, as SQL keywords are. */
export const KEYWORDS = ["SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "NULL", "TRUE", "FALSE"] as const;
export type Keyword = (typeof KEYWORDS)[number];

/** AWS IoT SQL words outside the subset: named in the error rather than misread as field names. */
const UNSUPPORTED_WORDS = new Set(["CASE", "WHEN", "THEN", "ELSE", "END", "SET", "VALUE", "IN", "IS", "LIKE", "BETWEEN"]);

export type Token =
  | { readonly kind: "keyword"; readonly keyword: Keyword; readonly column: number }
  | { readonly kind: "identifier"; readonly name: string; readonly column: number }
  | { readonly kind: "string"; readonly value: string; readonly column: number }
  | { readonly kind: "number"; readonly text: string; readonly column: number }
  | { readonly kind: "symbol"; readonly symbol: Punctuation; readonly column: number }
  | { readonly kind: "end"; readonly column: number };

export type Punctuation = "*" | "," | "(" | ")" | "." | "-" | "=" | "<>" | "<" | "<=" | ">" | ">=";

const SYMBOLS: readonly Punctuation[] = ["<>", "<=", ">=", "*", ",", "(", ")", ".", "-", "=", "<", ">"];
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SPACE = /\s+/y;

/** Splits a rule's SQL into tokens, each with its 1-based column; `source` names the rule in errors. */
export function tokenize(sql: string, source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const sticky = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    return pattern.exec(sql)?.[0];
  };
  while (at < sql.length) {
    const column = at + 1;
    const space = sticky(SPACE);
    if (space) {
      at += space.length;
      continue;
    }
    const char = sql[at]!;
    if (char === "'") {
      const close = sql.indexOf("'", at + 1);
      if (close < 0) throw new IotSqlError(source, "string literal is never closed with '", column);
      tokens.push({ kind: "string", value: sql.slice(at + 1, close), column });
      at = close + 1;
      continue;
    }
    if (char === '"' || char === "`")
      throw new IotSqlError(source, `unsupported quoting ${char} (strings use single quotes; quoted field names are not supported)`, column);
    const number = sticky(NUMBER);
    if (number) {
      tokens.push({ kind: "number", text: number, column });
      at += number.length;
      continue;
    }
    const word = sticky(IDENTIFIER);
    if (word) {
      const upper = word.toUpperCase();
      if ((KEYWORDS as readonly string[]).includes(upper)) tokens.push({ kind: "keyword", keyword: upper as Keyword, column });
      else if (UNSUPPORTED_WORDS.has(upper)) throw new IotSqlError(source, `unsupported keyword ${upper}`, column);
      else tokens.push({ kind: "identifier", name: word, column });
      at += word.length;
      continue;
    }
    const symbol = SYMBOLS.find((s) => sql.startsWith(s, at));
    if (symbol) {
      tokens.push({ kind: "symbol", symbol, column });
      at += symbol.length;
      continue;
    }
    const operator = /^(!=|\|\||[+/%!|&^~])/.exec(sql.slice(at))?.[0];
    if (operator) throw new IotSqlError(source, `unsupported operator ${operator}${operator === "!=" ? " (use <>)" : ""}`, column);
    throw new IotSqlError(source, `unexpected character ${JSON.stringify(char)}`, column);
  }
  tokens.push({ kind: "end", column: sql.length + 1 });
  return tokens;
}
