const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Fills in a Firehose S3 prefix's `!{timestamp:…}` expressions (UTC) and, for error prefixes,
 * `!{firehose:error-output-type}`. An expression the local twin does not know is an error naming
 * it, so a prefix changed in the cloud stack cannot silently write somewhere else locally.
 */
export function renderFirehosePrefix(template: string, epochMs: number, errorOutputType?: string): string {
  const d = new Date(epochMs);
  const parts: Record<string, string | undefined> = {
    "firehose:error-output-type": errorOutputType,
    "timestamp:yyyy": String(d.getUTCFullYear()),
    "timestamp:MM": pad(d.getUTCMonth() + 1),
    "timestamp:dd": pad(d.getUTCDate()),
    "timestamp:HH": pad(d.getUTCHours()),
  };
  return template.replace(/!\{([^}]*)\}/g, (whole, name: string) => {
    const part = parts[name];
    if (part === undefined) throw new Error(`Firehose prefix ${template}: ${whole} is not an expression the local Firehose supports`);
    return part;
  });
}
