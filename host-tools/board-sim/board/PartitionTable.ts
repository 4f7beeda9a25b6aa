import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The board's flash layout, as the build hands it to ESP-IDF. `aqm flash` places the app by it
 * and the simulated board sizes its partitions from it, so the figures live in the table alone.
 */
export const PARTITIONS_CSV_FILE = fileURLToPath(new URL("../../../manifests/partitions.csv", import.meta.url));

/** A row of an ESP-IDF partitions CSV, with its offset and size as numbers. */
export interface PartitionRow {
  readonly name: string;
  readonly type: string;
  readonly subtype: string;
  readonly offset: number;
  readonly size: number;
}

export class PartitionTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PartitionTableError";
  }
}

/** The rows of an ESP-IDF partitions CSV; each needs an explicit offset and size (the repository's table gives them). */
export function partitionRows(partitionsCsv: string = PARTITIONS_CSV_FILE): PartitionRow[] {
  if (!existsSync(partitionsCsv)) throw new PartitionTableError(`${partitionsCsv}: no such partitions file`);
  const rows: PartitionRow[] = [];
  for (const [index, line] of readFileSync(partitionsCsv, "utf8").split("\n").entries()) {
    const fields = line
      .split("#")[0]!
      .split(",")
      .map((field) => field.trim());
    if (fields.length < 5 || fields[0] === "") continue;
    const [name, type, subtype, offsetText, sizeText] = fields as [string, string, string, string, string];
    const offset = Number(offsetText);
    const size = Number(sizeText);
    if (!offsetText || !Number.isInteger(offset))
      throw new PartitionTableError(`${partitionsCsv}:${index + 1}: ${name} partition has no usable offset ("${offsetText}")`);
    if (!sizeText || !Number.isInteger(size))
      throw new PartitionTableError(`${partitionsCsv}:${index + 1}: ${name} partition has no usable size ("${sizeText}")`);
    rows.push({ name, type, subtype, offset, size });
  }
  return rows;
}

/** The partition called `name`; a table without one is refused, naming the file and the partition. */
export function partitionNamed(name: string, partitionsCsv: string = PARTITIONS_CSV_FILE): PartitionRow {
  const row = partitionRows(partitionsCsv).find((candidate) => candidate.name === name);
  if (!row) throw new PartitionTableError(`${partitionsCsv}: no partition named "${name}"`);
  return row;
}
