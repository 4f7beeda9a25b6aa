/** The part of Moddable's `preference` module the console uses (ESP-IDF NVS on the device). */
export type StoredValue = string | number | boolean | ArrayBuffer;

export interface ConsolePreferences {
  get(domain: string, key: string): StoredValue | undefined;
  set(domain: string, key: string, value: StoredValue): void;
  delete(domain: string, key: string): void;
}

/** One preference to write, or to delete when `value` is undefined. */
export interface PreferenceChange {
  readonly domain: string;
  readonly key: string;
  readonly value: StoredValue | undefined;
}

/**
 * Writes several preferences as one change: if NVS refuses one (full, worn), those already written
 * are put back as they were, so a failed command leaves the board as it found it. Rethrows the
 * refusal for the caller to report.
 */
export function writeTogether(preferences: ConsolePreferences, changes: readonly PreferenceChange[]): void {
  const before = changes.map((change) => ({ ...change, value: preferences.get(change.domain, change.key) }));
  let written = 0;
  try {
    for (const change of changes) {
      apply(preferences, change);
      written++;
    }
  } catch (error) {
    // A second failure while restoring cannot be reported better than the first, which is rethrown.
    for (let i = written; i >= 0; i--) {
      try {
        apply(preferences, before[i]!);
      } catch {}
    }
    throw error;
  }
}

function apply(preferences: ConsolePreferences, change: PreferenceChange): void {
  if (change.value === undefined) preferences.delete(change.domain, change.key);
  else preferences.set(change.domain, change.key, change.value);
}
