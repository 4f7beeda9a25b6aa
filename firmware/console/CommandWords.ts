/**
 * Splits a command line into words. A word is a run of non-space characters, or a double-quoted
 * string in which `\"` and `\\` stand for `"` and `\`, so an SSID or a password may hold spaces.
 * Steps: `between` words, in a `bare` word, `quoted`, just after a backslash (`escape`).
 */
type WordStep = "between" | "bare" | "quoted" | "escape";

export type SplitLine = { readonly words: readonly string[] } | { readonly problem: string };

export function splitWords(line: string): SplitLine {
  const words: string[] = [];
  let step: WordStep = "between";
  let word = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    switch (step) {
      case "between":
        if (ch === " ") break;
        if (ch === '"') step = "quoted";
        else {
          word = ch;
          step = "bare";
        }
        break;
      case "bare":
        if (ch === " ") {
          words.push(word);
          word = "";
          step = "between";
        } else if (ch === '"') return { problem: `a quote inside a word at column ${i + 1}` };
        else word += ch;
        break;
      case "quoted":
        if (ch === "\\") step = "escape";
        else if (ch === '"') {
          const next = line[i + 1];
          if (next !== undefined && next !== " ") return { problem: `text straight after a closing quote at column ${i + 2}` };
          words.push(word);
          word = "";
          step = "between";
        } else word += ch;
        break;
      case "escape":
        if (ch !== '"' && ch !== "\\") return { problem: `only \\" and \\\\ may follow a backslash (column ${i + 1})` };
        word += ch;
        step = "quoted";
        break;
    }
  }
  if (step === "quoted" || step === "escape") return { problem: "a quoted word is not closed (line truncated?)" };
  if (step === "bare") words.push(word);
  return { words };
}
