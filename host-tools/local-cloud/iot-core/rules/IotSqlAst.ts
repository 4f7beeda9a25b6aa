import type { TopicFilter } from "./TopicFilter.ts";

export type ComparisonOperator = "=" | "<>" | "<" | "<=" | ">" | ">=";

/** The functions of AWS IoT SQL the subset runs; names are matched case-insensitively. */
export type FunctionName = "topic" | "clientid" | "timestamp" | "isnull" | "isundefined";

export type Literal = string | number | boolean | null;

export type Expression =
  | { readonly kind: "field"; readonly path: readonly string[]; readonly column: number }
  | { readonly kind: "literal"; readonly value: Literal; readonly column: number }
  | { readonly kind: "call"; readonly name: FunctionName; readonly args: readonly Expression[]; readonly column: number }
  | { readonly kind: "compare"; readonly operator: ComparisonOperator; readonly left: Expression; readonly right: Expression; readonly column: number }
  | { readonly kind: "and" | "or"; readonly left: Expression; readonly right: Expression; readonly column: number }
  | { readonly kind: "not"; readonly operand: Expression; readonly column: number };

export type SelectItem =
  | { readonly kind: "all"; readonly column: number }
  | { readonly kind: "value"; readonly expression: Expression; readonly name: string; readonly column: number };

export interface IotSqlStatement {
  readonly select: readonly SelectItem[];
  readonly from: TopicFilter;
  readonly where?: Expression;
}
