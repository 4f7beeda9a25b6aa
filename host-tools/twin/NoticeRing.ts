/** The last notices, at most `capacity` of them: a twin left running for days keeps a bounded memory of what happened. */
export class NoticeRing {
  readonly #lines: string[];
  #next = 0;
  #count = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`a notice ring holds a whole number of notices above 0, not ${capacity}`);
    this.#lines = new Array<string>(capacity);
  }

  /** Notices ever pushed, including those the ring no longer holds. */
  get total(): number {
    return this.#count;
  }

  push(line: string): void {
    this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.capacity;
    this.#count++;
  }

  /** The newest `n` notices, oldest first. */
  recent(n: number): string[] {
    const held = Math.min(n, this.#count, this.capacity);
    const out: string[] = [];
    for (let i = held; i > 0; i--) out.push(this.#lines[(this.#next - i + this.capacity) % this.capacity]!);
    return out;
  }
}
