/** The part of Moddable's `preference` the boot counter needs. */
export interface BootPreferences {
  get(domain: string, key: string): string | number | boolean | ArrayBuffer | undefined;
  set(domain: string, key: string, value: string | number | boolean | ArrayBuffer): void;
}

/**
 * Counts power-ons in non-volatile storage. The count is the boot id of every reading taken in
 * this run, so (thing, boot, seq) names a reading uniquely even though `seq` restarts at each boot.
 */
export function nextBootId(preference: BootPreferences): number {
  const previous = preference.get("aqm", "boot");
  const next = (typeof previous === "number" && Number.isInteger(previous) && previous >= 0 ? previous : 0) + 1;
  preference.set("aqm", "boot", next);
  return next;
}
