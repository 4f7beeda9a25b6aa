/**
 * A rule's SQL that this engine cannot run: bad syntax, or syntax AWS IoT accepts that the local
 * subset does not implement. The message names the rule's file and the 1-based column in the SQL.
 */
export class IotSqlError extends Error {
  /** 1-based, in the SQL text. */
  readonly column: number;

  constructor(source: string, detail: string, column: number) {
    super(`rule ${source}: ${detail} at column ${column}`);
    this.column = column;
  }
}
