/**
 * An MQTT topic filter as a rule's FROM clause names it: levels split on `/`, `+` stands for
 * exactly one level, `#` (last level only) for the level it is on and every level below, including
 * none. As in MQTT, a wildcard in the first level does not match topics starting with `$`
 * (AWS reserved topics such as `$aws/things/...`).
 */
export class TopicFilter {
  readonly text: string;
  readonly #levels: readonly string[];

  private constructor(text: string) {
    this.text = text;
    this.#levels = text.split("/");
  }

  /** The filter, or an Error saying what is wrong with it and at which character (1-based) of the filter. */
  static parse(text: string): TopicFilter {
    if (text === "") throw new TopicFilterError("the topic filter is empty", 1);
    let offset = 0;
    const levels = text.split("/");
    for (const [i, level] of levels.entries()) {
      for (const wildcard of ["+", "#"]) {
        const at = level.indexOf(wildcard);
        if (at >= 0 && level !== wildcard) throw new TopicFilterError(`${wildcard} must be a whole level of the topic filter`, offset + at + 1);
      }
      if (level === "#" && i !== levels.length - 1) throw new TopicFilterError("# must be the last level of the topic filter", offset + 1);
      offset += level.length + 1;
    }
    return new TopicFilter(text);
  }

  matches(topic: string): boolean {
    const levels = topic.split("/");
    if (topic.startsWith("$") && (this.#levels[0] === "+" || this.#levels[0] === "#")) return false;
    for (const [i, level] of this.#levels.entries()) {
      if (level === "#") return true;
      if (i >= levels.length) return false;
      if (level !== "+" && level !== levels[i]) return false;
    }
    return levels.length === this.#levels.length;
  }
}

/** A malformed filter; `position` is the 1-based character in the filter text. */
export class TopicFilterError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}
