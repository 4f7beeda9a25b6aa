const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.0+)?$/;

/**
 * Canonical "YYYY-MM-DD HH:MM:SS" form. Windows are written with a
 * ".000000" suffix and rows without; NAB matches window edges to rows by
 * exact timestamp equality, so both must map to the same string.
 */
export function canonicalTimestamp(raw: string, where: string): string {
  const match = TIMESTAMP.exec(raw.trim());
  if (!match) throw new Error(`${where}: unparseable timestamp "${raw}"`);
  return `${match[1]} ${match[2]}`;
}
