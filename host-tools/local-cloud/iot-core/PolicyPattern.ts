/** `*` in a policy string: any run of characters, `/` and `:` included. */
const ANY = Symbol("*");
/** `?` in a policy string: exactly one character. */
const ONE = Symbol("?");

type Token = { readonly literal: string } | { readonly variable: string } | typeof ANY | typeof ONE;
type Unit = string | typeof ANY | typeof ONE;

/** IAM's fixed-value variables `${*}`, `${?}` and `${$}`: the character itself, where it would otherwise be a wildcard or start a variable. */
const ESCAPED = new Set(["*", "?", "$"]);

/** Looks a policy variable up by its canonical name; undefined when it has no value for this request. */
export type VariableValues = (name: string) => string | undefined;

/**
 * One string of a policy (an action or a resource ARN) as IAM matches it: `*` and `?` are
 * wildcards, `${name}` is a policy variable replaced by the request's value, and every other
 * character, MQTT's `+` and `#` included, stands for itself.
 */
export class PolicyPattern {
  readonly #tokens: readonly Token[];

  private constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  /**
   * `variables` maps each variable this pattern may use, in lower case (IAM names are
   * case-insensitive), to its canonical name; any other `${…}` is an error naming it. `element`
   * (such as "Resource") says in errors where the string was.
   */
  static compile(text: string, variables: ReadonlyMap<string, string>, element: string): PolicyPattern {
    const tokens: Token[] = [];
    let literal = "";
    const flush = (): void => {
      if (literal) tokens.push({ literal });
      literal = "";
    };
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!;
      if (char === "$" && text[i + 1] === "{") {
        const end = text.indexOf("}", i + 2);
        if (end < 0) throw new Error(`${element} "${text}" has a "\${" at character ${i + 1} that is never closed with "}"`);
        const name = text.slice(i + 2, end);
        if (ESCAPED.has(name)) literal += name;
        else {
          const canonical = variables.get(name.toLowerCase());
          if (canonical === undefined) {
            const known = [...variables.values()].map((v) => `\${${v}}`).join(", ");
            throw new Error(`${element} "${text}" uses the policy variable \${${name}}, which is not supported here${known ? ` (supported: ${known})` : ""}`);
          }
          flush();
          tokens.push({ variable: canonical });
        }
        i = end;
      } else if (char === "*" || char === "?") {
        flush();
        tokens.push(char === "*" ? ANY : ONE);
      } else literal += char;
    }
    flush();
    return new PolicyPattern(tokens);
  }

  /**
   * Whether `value` matches once the variables are replaced. A variable's value is matched
   * literally (a `*` in a client ID is no wildcard), and a variable without a value matches
   * nothing, as AWS leaves such a statement unable to grant anything.
   */
  matches(value: string, values: VariableValues, options: { ignoreCase?: boolean } = {}): boolean {
    const fold = (text: string): string => (options.ignoreCase ? text.toLowerCase() : text);
    const units: Unit[] = [];
    for (const token of this.#tokens) {
      if (token === ANY || token === ONE) units.push(token);
      else if ("literal" in token) units.push(...fold(token.literal));
      else {
        const resolved = values(token.variable);
        if (resolved === undefined) return false;
        units.push(...fold(resolved));
      }
    }
    return globMatches(units, [...fold(value)]);
  }
}

/** Wildcard matching that backtracks only to the last `*`, so it takes time proportional to pattern × text at worst. */
function globMatches(pattern: readonly Unit[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resumeAt = 0;
  while (t < text.length) {
    const unit = pattern[p];
    if (unit === ANY) {
      star = p++;
      resumeAt = t;
    } else if (unit !== undefined && (unit === ONE || unit === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resumeAt;
    } else return false;
  }
  while (pattern[p] === ANY) p++;
  return p === pattern.length;
}
