import type { ScenarioResult } from "./JUnitReport.ts";
import type { HilContext, HilScenario } from "./HilScenario.ts";

/** Runs scenarios one after another on one board, each from a fresh power-on, and says how each went. */
export async function runScenarios(
  scenarios: readonly HilScenario[],
  context: HilContext,
  onResult: (result: ScenarioResult) => void = () => {},
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const missing = scenario.needs.filter((need) => !context.dut.capabilities.has(need));
    const mark = context.serial.mark;
    const started = performance.now();
    let result: ScenarioResult;
    if (missing.length > 0) {
      result = {
        name: scenario.name,
        summary: scenario.summary,
        outcome: "skipped",
        seconds: 0,
        message: `needs ${missing.join(", ")}, which ${context.dut.description} does not offer`,
        log: [],
      };
    } else {
      try {
        await scenario.run(context);
        result = {
          name: scenario.name,
          summary: scenario.summary,
          outcome: "passed",
          seconds: (performance.now() - started) / 1000,
          log: context.serial.lines.slice(mark),
        };
      } catch (error) {
        result = {
          name: scenario.name,
          summary: scenario.summary,
          outcome: "failed",
          seconds: (performance.now() - started) / 1000,
          message: error instanceof Error ? error.message : String(error),
          log: context.serial.lines.slice(mark),
        };
      } finally {
        await context.dut.powerOff();
      }
    }
    results.push(result);
    onResult(result);
  }
  return results;
}
