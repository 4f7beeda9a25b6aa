export interface ScenarioResult {
  readonly name: string;
  readonly summary: string;
  readonly outcome: "passed" | "failed" | "skipped";
  readonly seconds: number;
  readonly message?: string;
  /** The board's serial log during the scenario. */
  readonly log: readonly string[];
}

function xml(text: string): string {
  // XML 1.0 has no place for most control characters, which a serial line can carry.
  return text
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** JUnit XML as CI systems read it: one testsuite, a testcase per scenario, the serial log as system-out. */
export function junitReport(suite: string, device: string, results: readonly ScenarioResult[]): string {
  const failures = results.filter((r) => r.outcome === "failed").length;
  const skipped = results.filter((r) => r.outcome === "skipped").length;
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const cases = results.map((r) => {
    const body =
      r.outcome === "failed"
        ? `<failure message="${xml(r.message ?? "")}">${xml(r.message ?? "")}</failure>`
        : r.outcome === "skipped"
          ? `<skipped message="${xml(r.message ?? "")}"/>`
          : "";
    return `    <testcase classname="${xml(`${suite}.${device}`)}" name="${xml(r.name)}" time="${r.seconds.toFixed(3)}">${body}<system-out>${xml(r.log.join("\n"))}</system-out></testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites tests="${results.length}" failures="${failures}" skipped="${skipped}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total.toFixed(3)}">`,
    `    <properties><property name="device" value="${xml(device)}"/></properties>`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    ``,
  ].join("\n");
}
