import { writeFileSync } from "node:fs";
import { EXIT, type CliCommand, type CommandOutput, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { wifiOption } from "../provision/WifiOption.ts";
import { runScenarios } from "./HilRunner.ts";
import { HilSession } from "./HilSession.ts";
import { junitReport, type ScenarioResult } from "./JUnitReport.ts";
import { HIL_SCENARIOS } from "./scenarios.ts";

/** `aqm hil`: exit code 0 none failed, 1 a scenario failed, 2 bad usage. */
export const HIL_COMMAND: CliCommand<CommandOutput> = {
  name: "hil",
  summary: "run the hardware-in-the-loop scenarios on a simulated board or a real one",
  usage: `  aqm hil [--target sim|PORT] [--thing NAME] [--scenario NAME]… [--junit FILE]
          [--state DIR] [--endpoint HOST] [--wifi SSID] [--reset-command CMD]
      Run the hardware-in-the-loop scenarios (boot, publishing, network loss, sensor fault, bad
      certificate, shadow config, provisioning) against a simulated board on a pseudo-terminal
      (default), or a real board on a serial port whose broker is this host's local IoT Core
      (--state: the local CA it trusts; --endpoint, required: the name or address it reaches this
      host at; --wifi: its access point, the password in AQM_WIFI_PASSWORD, without which the
      provisioning scenario, which factory-resets the board, is skipped). Scenarios a real board
      cannot be put through are skipped with the reason. --junit writes a JUnit XML report. Exit 0
      only if none failed.`,
  usageErrorPrefix: "aqm",
  run: hil,
};

async function hil(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  const options = {
    target: "sim",
    thing: "aqm-hil-001",
    scenarios: [] as string[],
    junit: undefined as string | undefined,
    stateDir: undefined as string | undefined,
    endpoint: undefined as string | undefined,
    wifi: undefined as string | undefined,
    resetCommand: undefined as string | undefined,
  };
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--target") options.target = args.optionValue(arg);
    else if (arg === "--thing") options.thing = args.optionValue(arg);
    else if (arg === "--scenario") options.scenarios.push(args.optionValue(arg));
    else if (arg === "--junit") options.junit = args.optionValue(arg);
    else if (arg === "--state") options.stateDir = args.optionValue(arg);
    else if (arg === "--endpoint") options.endpoint = args.optionValue(arg);
    else if (arg === "--wifi") options.wifi = args.optionValue(arg);
    else if (arg === "--reset-command") options.resetCommand = args.optionValue(arg);
    else throw new UsageError(`unknown option ${arg} for aqm hil`);
  }
  const wifi = wifiOption(options.wifi);
  const known = HIL_SCENARIOS.map((s) => s.name);
  const unknown = options.scenarios.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(", ")} (scenarios: ${known.join(", ")})`);
  const chosen = options.scenarios.length === 0 ? HIL_SCENARIOS : HIL_SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  const say = (line: string): void => io.stdout(`${line}\n`);
  const session = await HilSession.open({
    target: options.target,
    thing: options.thing,
    say,
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(wifi ? { wifi } : {}),
    ...(options.resetCommand ? { resetCommand: options.resetCommand } : {}),
  });
  let results: ScenarioResult[];
  try {
    say(`aqm hil: ${chosen.length} scenarios on ${session.dut.description}`);
    results = await runScenarios(chosen, session, (r) =>
      say(
        `${r.outcome === "passed" ? "PASS" : r.outcome === "failed" ? "FAIL" : "SKIP"} ${r.name} (${r.seconds.toFixed(1)} s)${r.message ? `: ${r.message}` : ""}`,
      ),
    );
  } finally {
    await session.close();
  }
  if (options.junit) writeFileSync(options.junit, junitReport("aqm-hil", session.dut.description, results));
  const failed = results.filter((r) => r.outcome === "failed").length;
  say(
    `${results.length - failed - results.filter((r) => r.outcome === "skipped").length} passed, ${failed} failed, ${results.filter((r) => r.outcome === "skipped").length} skipped`,
  );
  return failed === 0 ? EXIT.done : EXIT.failed;
}
