#!/usr/bin/env -S node --import tsx
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { CalibrationFileError, checkCalibrationFile, installCalibration } from "../calibration/CalibrationInstaller.ts";
import { planBuild } from "../build/FirmwareBuild.ts";
import { FLASH_HELP, flashCommand } from "../flash/FlashCommand.ts";
import { UPDATE_HELP, updateCommand } from "../flash/UpdateCommand.ts";
import { REPORT_HELP, reportCommand } from "../../analysis/report/ReportCommand.ts";
import { runScenarios } from "../hil/HilRunner.ts";
import { HilSession } from "../hil/HilSession.ts";
import { junitReport, type ScenarioResult } from "../hil/JUnitReport.ts";
import { HIL_SCENARIOS } from "../hil/scenarios.ts";
import { explainLogLine } from "../monitor/LogExplainer.ts";
import { CompactionMismatch, DEFAULT_MAX_FILES_PER_PARTITION, LakeCompactor } from "../../local-cloud/lake/LakeCompactor.ts";
import { LakeCurator } from "../../local-cloud/lake/LakeCurator.ts";
import { LakeBusy } from "../../local-cloud/lake/LakeLock.ts";
import { LakeQuery, QueryFailed } from "../../local-cloud/lake/LakeQuery.ts";
import { resolveQuery, UnknownNamedQuery } from "../../local-cloud/lake/NamedQueryLookup.ts";
import { formatResult, QUERY_FORMATS, type QueryFormat } from "../../local-cloud/lake/QueryOutput.ts";
import { loadNamedQueries } from "../../local-cloud/lake/SharedFiles.ts";
import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { checkThingInLake, hourlyMeans, UnknownThing } from "../../analysis/forecast/HourlyMeans.ts";
import { POLLUTANTS, seasonalNaiveForecast, TooLittleHistory, type DeepArShapedForecast } from "../../analysis/forecast/SeasonalNaiveForecast.ts";
import { localTwinScorerConfig } from "../../analysis/training/BoardScorerSettings.ts";
import { DesiredPatchFiles } from "../../analysis/training/DesiredStatePublisher.ts";
import { eachThingReadings, thingsInLake } from "../../analysis/training/LakeReadings.ts";
import { modelRunDir, writeModelReport } from "../../analysis/training/ModelReportFiles.ts";
import { trainThresholds } from "../../analysis/training/ThresholdTraining.ts";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsIdentity, AwsProvisionError } from "../provision/AwsIotIdentity.ts";
import type { BoardIdentity } from "../provision/BoardIdentity.ts";
import { installIdentity, type WifiSettings } from "../provision/BoardProvisioner.ts";
import { ConsoleRefused } from "../provision/ConsoleClient.ts";
import { openConsole, type ConsoleTarget } from "../provision/ConsoleTarget.ts";
import { localIdentity } from "../provision/LocalIdentity.ts";
import { mkdirSync } from "node:fs";
import path from "node:path";

const HELP = `aqm: tools for aqm boards

Usage:
  aqm monitor [FILE|-] [--save FILE] [--no-colour]
      Read a board's serial log (a file such as state/boards/<thing>/serial.log, or standard input),
      colour it by level, and explain every event code and LED state in words. --save also writes
      the raw lines to FILE.
  aqm calibration check FILE
      Check a gas-sensor calibration record (JSON, docs/gas-sensors.md) as the board would.
  aqm calibration install FILE --board DIR
      Check it, then store it in a simulated board's preferences (DIR is e.g. state/boards/<thing>);
      the board loads it at its next start. A record that fails the check changes nothing.
  aqm build [--board NAME] [--flash] [--release] [key=value …]
      Build the firmware with the Moddable SDK's mcconfig for a board manifest (default
      esp32-devkitc), e.g. aqm build thing=my-board-01 endpoint=xxxx-ats.iot.eu-west-1.amazonaws.com.
      --flash also writes it to the board over USB. Says what is missing (SDK, tools, ESP-IDF).
${FLASH_HELP}
${UPDATE_HELP}
  aqm hil [--target sim|PORT] [--thing NAME] [--scenario NAME]… [--junit FILE]
          [--state DIR] [--endpoint HOST] [--wifi SSID] [--reset-command CMD]
      Run the hardware-in-the-loop scenarios (boot, publishing, network loss, sensor fault, bad
      certificate, shadow config, provisioning) against a simulated board on a pseudo-terminal
      (default), or a real board on a serial port whose broker is this host's local IoT Core
      (--state: the local CA it trusts; --endpoint, required: the name or address it reaches this
      host at; --wifi: its access point, the password in AQM_WIFI_PASSWORD, without which the
      provisioning scenario, which factory-resets the board, is skipped). Scenarios a real board
      cannot be put through are skipped with the reason. --junit writes a JUnit XML report. Exit 0
      only if none failed.
  aqm provision local --thing NAME (--serial PORT | --board DIR) [--state DIR] [--endpoint HOST]
                [--port N] [--wifi SSID]
  aqm provision aws --thing NAME --policy NAME (--serial PORT | --board DIR) [--region REGION]
                [--endpoint HOST] [--existing-thing] [--state DIR] [--wifi SSID]
      Create a board identity, with the local twin's CA in --state (default state) or in AWS IoT
      Core (thing, active certificate and key, policy attached; credentials from the usual AWS
      chain; the key is kept in STATE/things/NAME/aws/), and install it on the board through its
      serial console: a real board on PORT (e.g. /dev/ttyUSB0), or a simulated board's folder DIR
      (e.g. state/boards/NAME). --endpoint: the broker the board connects to (local default
      localhost, port 8883; AWS default the account's iot:Data-ATS endpoint). --wifi also stores
      Wi-Fi credentials, the password taken from the AQM_WIFI_PASSWORD environment variable.
      The board checks everything before storing it; what it refuses changes nothing on it.
  aqm etl [--state DIR] [--compact [--max-files N]]
      Curate the local lake (DIR/lake, default state/lake): raw objects not curated before become
      Parquet rows under curated/date=YYYY-MM-DD/thing=NAME/, deduplicated by (thing, boot, seq);
      lines that are not valid readings go to quarantine/ with the reason, object key and line.
      Prints the counts: raw lines = curated + duplicates + quarantined. Safe to rerun.
      --compact then merges the Parquet files of each date/thing partition holding more than N
      (default ${DEFAULT_MAX_FILES_PER_PARTITION}) into one with the same rows, checked before the old files are deleted,
      and finishes or undoes a compaction a crash interrupted (docs/local-lake.md). Prints the
      partitions, files before → after and rows; exit 1 if a merge is refused.
  aqm query (SQL | NAME | --list) [--state DIR] [--format table|csv|json]
      Run SQL over the curated lake: table telemetry (one row per reading, with date and thing),
      and quarantine. NAME runs one of the operators' named queries (cloud/athena/named-queries.json,
      the ones deployed to Athena), e.g. aqm query latest; --list shows them.
  aqm train [--state DIR] [--target-alerts-per-day N] [--dry-run]
      Choose each board's anomaly threshold from its curated history: replay its readings through
      the board's fixed-point scorer with its current settings (DIR/boards/<thing>/nvs.json if the
      local twin has one, else the firmware's defaults) and take the lowest threshold that would
      have raised at most N alerts a day (default 1). A board with less than a day of readings
      past the scorer's warm-up is refused, with the reason. Writes DIR/models/<run>/report.json
      and report.md (per board and channel: readings, score quantiles, alerts a day at the old and
      new threshold, and how many alerts a windowed robust z-score detector agrees with). Without
      --dry-run each trained board's desired-state patch {"anomaly":{"threshold":…}} is written to
      DIR/models/<run>/desired/<thing>.json; this command sends nothing to a board. The local twin
      (npm start, --train-every) runs the same training on a schedule and sends each threshold to
      the board's Device Shadow itself.
  aqm forecast --thing NAME [--channel C] [--state DIR]
      Forecast the next 24 hours of a board's pollutants (or channel C) from the curated lake by
      hour of day over the previous 7 days (median, mean, 10 % and 90 % quantiles of the same hour),
      printed as JSON in the shape of a SageMaker DeepAR response with the series and start hour:
      one object for --channel, else an array (channels with too little history are named on
      standard error). Value i of each array is the hour starting at start + i hours (UTC).
${REPORT_HELP}
  aqm --help

Exit codes: 0 done, 1 failed, 2 bad usage, 3 a required tool or serial port is missing.`;

async function monitor(args: string[]): Promise<number> {
  let source = "-";
  let save: string | undefined;
  let colour = Boolean(process.stdout.isTTY);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--save") {
      save = args[++i];
      if (!save) throw new UsageError("--save needs a file name");
    } else if (arg === "--no-colour") colour = false;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm monitor`);
    else source = arg;
  }
  const input = source === "-" ? process.stdin : createReadStream(source);
  const copy = save ? createWriteStream(save, { flags: "a" }) : undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    copy?.write(`${line}\n`);
    process.stdout.write(`${explainLogLine(line, colour)}\n`);
  }
  await new Promise<void>((resolve) => (copy ? copy.end(resolve) : resolve()));
  return 0;
}

async function calibration(args: string[]): Promise<number> {
  const [action, file, ...rest] = args;
  if ((action !== "check" && action !== "install") || !file) throw new UsageError("aqm calibration needs check FILE or install FILE --board DIR");
  try {
    if (action === "check") {
      if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")} after aqm calibration check FILE`);
      const { record } = checkCalibrationFile(file);
      process.stdout.write(`${file}: valid calibration record ${record.id} (CO ${record.co.serial}, NO2 ${record.no2.serial}, SO2 ${record.so2.serial}, OX ${record.ox.serial})\n`);
      return 0;
    }
    if (rest[0] !== "--board" || !rest[1] || rest.length > 2) throw new UsageError("aqm calibration install needs --board DIR");
    const installed = installCalibration(file, rest[1]);
    process.stdout.write(`installed calibration ${installed.id} in ${rest[1]}${installed.replaced ? ` (replacing ${installed.replaced})` : ""}; the board uses it from its next start\n`);
    return 0;
  } catch (error) {
    if (error instanceof CalibrationFileError) {
      process.stderr.write(`aqm: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function build(args: string[]): Promise<number> {
  let board = "esp32-devkitc";
  let flash = false;
  let debug = true;
  const settings: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--board") {
      board = args[++i] ?? "";
      if (!board) throw new UsageError("--board needs a manifest name, e.g. esp32-devkitc");
    } else if (arg === "--flash") flash = true;
    else if (arg === "--release") debug = false;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm build`);
    else settings.push(arg);
  }
  const manifestDir = fileURLToPath(new URL("../../../manifests/", import.meta.url));
  const plan = planBuild({ board, settings, flash, debug }, process.env, manifestDir);
  if ("missing" in plan) {
    process.stderr.write(`aqm build cannot run here:\n${plan.missing.map((m) => `  - ${m}`).join("\n")}\n`);
    return 3;
  }
  process.stdout.write(`${plan.command} ${plan.args.join(" ")}   (in ${plan.cwd})\n`);
  const result = spawnSync(plan.command, plan.args, { cwd: plan.cwd, stdio: "inherit" });
  if (result.error) {
    process.stderr.write(`aqm build: ${result.error.message}\n`);
    return 1;
  }
  return result.status === 0 ? 0 : 1;
}

async function hil(args: string[]): Promise<number> {
  const options = { target: "sim", thing: "aqm-hil-001", scenarios: [] as string[], junit: undefined as string | undefined, stateDir: undefined as string | undefined, endpoint: undefined as string | undefined, wifi: undefined as string | undefined, resetCommand: undefined as string | undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--target") options.target = value();
    else if (arg === "--thing") options.thing = value();
    else if (arg === "--scenario") options.scenarios.push(value());
    else if (arg === "--junit") options.junit = value();
    else if (arg === "--state") options.stateDir = value();
    else if (arg === "--endpoint") options.endpoint = value();
    else if (arg === "--wifi") options.wifi = value();
    else if (arg === "--reset-command") options.resetCommand = value();
    else throw new UsageError(`unknown option ${arg} for aqm hil`);
  }
  const wifi = wifiSettings(options.wifi);
  const known = HIL_SCENARIOS.map((s) => s.name);
  const unknown = options.scenarios.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(", ")} (scenarios: ${known.join(", ")})`);
  const chosen = options.scenarios.length === 0 ? HIL_SCENARIOS : HIL_SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const session = await HilSession.open({ target: options.target, thing: options.thing, say, ...(options.stateDir ? { stateDir: options.stateDir } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(wifi ? { wifi } : {}), ...(options.resetCommand ? { resetCommand: options.resetCommand } : {}) });
  let results: ScenarioResult[];
  try {
    say(`aqm hil: ${chosen.length} scenarios on ${session.dut.description}`);
    results = await runScenarios(chosen, session, (r) => say(`${r.outcome === "passed" ? "PASS" : r.outcome === "failed" ? "FAIL" : "SKIP"} ${r.name} (${r.seconds.toFixed(1)} s)${r.message ? `: ${r.message}` : ""}`));
  } finally {
    await session.close();
  }
  if (options.junit) writeFileSync(options.junit, junitReport("aqm-hil", session.dut.description, results));
  const failed = results.filter((r) => r.outcome === "failed").length;
  say(`${results.length - failed - results.filter((r) => r.outcome === "skipped").length} passed, ${failed} failed, ${results.filter((r) => r.outcome === "skipped").length} skipped`);
  return failed === 0 ? 0 : 1;
}

/** `--wifi SSID`, its password from the environment so that it stays out of shell histories and process lists. */
function wifiSettings(ssid: string | undefined): WifiSettings | undefined {
  if (!ssid) return undefined;
  const password = process.env.AQM_WIFI_PASSWORD;
  if (password === undefined) throw new UsageError("--wifi needs the password in the AQM_WIFI_PASSWORD environment variable (\"\" for an open network)");
  return { ssid, password };
}

async function provision(args: string[]): Promise<number> {
  const [where, ...rest] = args;
  if (where !== "local" && where !== "aws") throw new UsageError("aqm provision needs local or aws");
  const options: Record<string, string> = {};
  let existingThing = false;
  const valued = ["--thing", "--serial", "--board", "--state", "--endpoint", "--port", "--wifi", ...(where === "aws" ? ["--policy", "--region"] : [])];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--existing-thing" && where === "aws") existingThing = true;
    else if (valued.includes(arg)) {
      const value = rest[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      options[arg.slice(2)] = value;
    } else throw new UsageError(`unknown option ${arg} for aqm provision ${where}`);
  }
  const thing = options.thing;
  if (!thing) throw new UsageError("aqm provision needs --thing NAME");
  if (Boolean(options.serial) === Boolean(options.board)) throw new UsageError("aqm provision needs one of --serial PORT or --board DIR");
  if (where === "aws" && !options.policy) throw new UsageError("aqm provision aws needs --policy NAME (the device policy, e.g. from cloud/iot/)");
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError("--port needs a TCP port number");
  const wifi = wifiSettings(options.wifi);
  const stateDir = options.state ?? "state";
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  let identity: BoardIdentity;
  try {
    if (where === "local") identity = await localIdentity({ stateDir, thing, endpoint: options.endpoint ?? "localhost", port: port ?? 8883 });
    else {
      const client = new IoTClient(options.region ? { region: options.region } : {});
      const created = await awsIdentity({ client, thing, policyName: options.policy!, existingThing, onStep: (step) => say(`aws: ${step}`), ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
      identity = port === undefined ? created : { ...created, port };
      // CreateKeysAndCertificate is the only time AWS hands out the key: keep it before the board is touched.
      const dir = path.join(stateDir, "things", thing, "aws");
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "key.pem"), created.keyPem, { mode: 0o600 });
      writeFileSync(path.join(dir, "cert.pem"), created.certPem);
      writeFileSync(path.join(dir, "ca.pem"), created.caPem);
      say(`aws: certificate ${created.certificateId} active for thing ${thing}; key and certificate kept in ${dir}`);
    }
  } catch (error) {
    if (!(error instanceof AwsProvisionError)) throw error;
    process.stderr.write(`aqm provision: ${error.message}\n`);
    return 1;
  }
  const target: ConsoleTarget = options.serial ? { serial: options.serial } : { board: options.board! };
  const console = openConsole(target, () => {});
  try {
    const status = await installIdentity(console.client, identity, { ...(wifi ? { wifi } : {}), onStep: (step, index, total) => say(`[${index}/${total}] ${step}`) });
    say(`provisioned ${thing} for ${identity.endpoint}: CA ${status["tls.ca"]} B, certificate ${status["tls.cert"]} B, key ${status["tls.key"]} B; restart the board to use it`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConsoleRefused)) throw error;
    process.stderr.write(`aqm provision: ${error.message}\n`);
    return 1;
  } finally {
    console.close();
  }
}

function lakeDirOf(stateDir: string): string {
  return path.join(stateDir, "lake");
}

async function etl(args: string[]): Promise<number> {
  let stateDir = "state";
  let compact = false;
  let maxFiles: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--compact") compact = true;
    else if (arg === "--state" || arg === "--max-files") {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      if (arg === "--state") stateDir = value;
      else {
        maxFiles = Number(value);
        if (!(Number.isInteger(maxFiles) && maxFiles >= 1)) throw new UsageError(`--max-files must be a whole number of at least 1, not "${value}"`);
      }
    } else throw new UsageError(`unknown option ${arg} for aqm etl`);
  }
  if (maxFiles !== undefined && !compact) throw new UsageError("--max-files goes with --compact");
  const lakeDir = lakeDirOf(stateDir);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  try {
    const report = await new LakeCurator({ lakeDir }).curate();
    if (report.objects === 0) say(`aqm etl: no new raw objects in ${lakeDir}; nothing to do`);
    else {
      say(`aqm etl: ${report.objects} raw object${report.objects === 1 ? "" : "s"}, ${report.lines} lines, ${report.records} readings = ${report.curated} curated + ${report.duplicates} duplicates + ${report.quarantined} quarantined (run ${report.run})`);
      for (const r of report.reasons) say(`  quarantined ${r.records}: ${r.reason}`);
    }
    if (!compact) return 0;
    const compaction = await new LakeCompactor({ lakeDir, ...(maxFiles === undefined ? {} : { maxFilesPerPartition: maxFiles }) }).compact();
    if (compaction.recovered) say(`aqm etl --compact: an interrupted compaction of ${compaction.recovered.partition} was ${compaction.recovered.outcome}`);
    const n = compaction.partitions.length;
    if (n === 0) say(`aqm etl --compact: no partition holds more than ${compaction.maxFilesPerPartition} files; nothing to do`);
    else say(`aqm etl --compact: ${n} partition${n === 1 ? "" : "s"}, ${compaction.filesBefore} files → ${compaction.filesAfter}, ${compaction.rows} rows (run ${compaction.run})`);
    for (const p of compaction.partitions) say(`  ${p.partition}: ${p.files} files → 1, ${p.rows} rows`);
    return 0;
  } catch (error) {
    if (!(error instanceof LakeBusy || error instanceof CompactionMismatch)) throw error;
    process.stderr.write(`aqm etl: ${error.message}\n`);
    return 1;
  }
}

async function query(args: string[]): Promise<number> {
  let stateDir = "state";
  let format: QueryFormat = "table";
  let list = false;
  const text: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--state" || arg === "--format") {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      if (arg === "--state") stateDir = value;
      else if ((QUERY_FORMATS as readonly string[]).includes(value)) format = value as QueryFormat;
      else throw new UsageError(`--format must be one of ${QUERY_FORMATS.join(", ")}, not ${value}`);
    } else if (arg === "--list") list = true;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm query`);
    else text.push(arg);
  }
  const queries = loadNamedQueries();
  if (list) {
    if (text.length > 0) throw new UsageError("aqm query --list takes no query");
    for (const q of queries) process.stdout.write(`${q.name}\n    ${q.description}\n`);
    return 0;
  }
  if (text.length !== 1 || text[0]!.trim() === "") throw new UsageError("aqm query needs one SQL statement (quoted) or a named query's name");
  let sql: string;
  try {
    sql = resolveQuery(text[0]!, queries).sql;
  } catch (error) {
    if (error instanceof UnknownNamedQuery) throw new UsageError(error.message);
    throw error;
  }
  const lake = await LakeQuery.open(lakeDirOf(stateDir));
  try {
    process.stdout.write(formatResult(await lake.run(sql), format));
    return 0;
  } catch (error) {
    if (!(error instanceof QueryFailed)) throw error;
    process.stderr.write(`aqm query: ${error.message}\n`);
    return 1;
  } finally {
    lake.close();
  }
}

async function train(args: string[]): Promise<number> {
  let stateDir = "state";
  let target = 1;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--state" || arg === "--target-alerts-per-day") {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      if (arg === "--state") stateDir = value;
      else {
        target = Number(value);
        if (!(Number.isFinite(target) && target > 0)) throw new UsageError(`--target-alerts-per-day must be a number above 0, not "${value}"`);
      }
    } else throw new UsageError(`unknown option ${arg} for aqm train`);
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const run = `${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
  const runDir = modelRunDir(stateDir, run);
  const patches = dryRun ? undefined : new DesiredPatchFiles(path.join(runDir, "desired"));
  const lake = await LakeQuery.open(lakeDirOf(stateDir));
  let report;
  try {
    if ((await thingsInLake(lake)).length === 0) {
      process.stderr.write(`aqm train: no curated readings in ${lakeDirOf(stateDir)}: run aqm etl first\n`);
      return 1;
    }
    report = await trainThresholds(eachThingReadings(lake), { run, targetAlertsPerDay: target, configOf: localTwinScorerConfig(stateDir), ...(patches ? { publisher: patches } : {}) });
  } finally {
    lake.close();
  }
  const files = await writeModelReport(runDir, report);
  let failed = 0;
  for (const t of report.things) {
    if (t.status === "refused") {
      say(`${t.thing}: refused, nothing published: ${t.reason}`);
      continue;
    }
    const outcome = t.publish.status === "failed" ? `; publishing failed: ${t.publish.error}` : t.publish.status === "published" ? `; desired patch ${patches!.fileOf(t.thing)}` : "";
    if (t.publish.status === "failed") failed++;
    say(`${t.thing}: threshold ${t.oldThreshold} → ${t.threshold} (alerts/day ${t.alertsPerDay.old} → ${t.alertsPerDay.new} over ${t.daysScored} days; the detector agrees with ${t.comparison.agreed} of ${t.comparison.boardAlerts} alerts)${outcome}`);
  }
  say(`aqm train: run ${run}, report ${files.markdown} and ${files.json}`);
  const trained = report.things.filter((t) => t.status === "trained").length;
  if (dryRun) say("dry run: no desired-state patch written");
  else if (trained > 0) say("the patches are not sent to any board by this command; apply them through the boards' Device Shadows (desired state)");
  return failed === 0 && trained > 0 ? 0 : 1;
}

async function forecast(args: string[]): Promise<number> {
  let stateDir = "state";
  let thing: string | undefined;
  let channel: Channel | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[++i];
    if (arg !== "--state" && arg !== "--thing" && arg !== "--channel") throw new UsageError(`unknown option ${arg} for aqm forecast`);
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
    if (arg === "--state") stateDir = value;
    else if (arg === "--thing") thing = value;
    else {
      const known = CHANNELS.map((c) => c.name);
      if (!(known as string[]).includes(value)) throw new UsageError(`--channel must be one of ${known.join(", ")}, not "${value}"`);
      channel = value as Channel;
    }
  }
  if (!thing) throw new UsageError("aqm forecast needs --thing NAME");
  const lake = await LakeQuery.open(lakeDirOf(stateDir));
  const forecasts: DeepArShapedForecast[] = [];
  const refused: string[] = [];
  try {
    await checkThingInLake(lake, thing);
    for (const c of channel ? [channel] : POLLUTANTS) {
      try {
        forecasts.push(seasonalNaiveForecast(thing, c, await hourlyMeans(lake, thing, c)));
      } catch (error) {
        if (!(error instanceof TooLittleHistory)) throw error;
        refused.push(error.message);
      }
    }
  } catch (error) {
    if (!(error instanceof UnknownThing)) throw error;
    process.stderr.write(`aqm forecast: ${error.message}\n`);
    return 1;
  } finally {
    lake.close();
  }
  for (const reason of refused) process.stderr.write(`aqm forecast: ${reason}\n`);
  if (forecasts.length === 0) return 1;
  process.stdout.write(`${JSON.stringify(channel ? forecasts[0] : forecasts, null, 2)}\n`);
  return 0;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "help") {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  if (command === "monitor") return monitor(rest);
  if (command === "calibration") return calibration(rest);
  if (command === "build") return build(rest);
  if (command === "hil") return hil(rest);
  if (command === "provision") return provision(rest);
  if (command === "etl") return etl(rest);
  if (command === "query") return query(rest);
  if (command === "train") return train(rest);
  if (command === "forecast") return forecast(rest);
  if (command === "flash") return flashCommand(rest);
  if (command === "update") return updateCommand(rest);
  if (command === "report") return reportCommand(rest);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`aqm: ${error.message}\n\n${HELP}\n`);
      process.exit(2);
    }
    process.stderr.write(`aqm: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
