import { EXIT, failedWith, type CliCommand, type CommandOutput, type ExitCode } from "../../field/cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../../field/cli/CommandArgs.ts";
import { lakeDirOf } from "./LakeLayout.ts";
import { LakeQuery, QueryFailed } from "./LakeQuery.ts";
import { resolveQuery, UnknownNamedQuery } from "./NamedQueryLookup.ts";
import { formatResult, QUERY_FORMATS, type QueryFormat } from "./QueryOutput.ts";
import { loadNamedQueries } from "../../../cloud/lib/namedQueries.ts";

/** `aqm query`: exit code 0 answered, 1 the query failed, 2 bad usage or an unknown named query. */
export const QUERY_COMMAND: CliCommand<CommandOutput> = {
  name: "query",
  summary: "run SQL or one of the operators' named queries over the curated lake",
  usage: `  aqm query (SQL | NAME | --list) [--param VALUE]… [--state DIR] [--format table|csv|json]
      Run SQL over the curated lake: table telemetry (one row per reading, with date and thing),
      quarantine, forecasts (what aqm forecast --save wrote) and anomaly_scores (the board's own
      scores, standing in for the cloud's Random Cut Forest). NAME runs one of the operators' named
      queries (cloud/athena/named-queries.json, the ones deployed to Athena), e.g. aqm query latest;
      --list shows them. Each --param binds the next ? of the query, e.g.
      aqm query forecast-next-24h --param aqm-001.`,
  usageErrorPrefix: "aqm",
  run: query,
};

async function query(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let stateDir = "state";
  let format: QueryFormat = "table";
  let list = false;
  const text: string[] = [];
  const parameters: string[] = [];
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--state") stateDir = args.optionValue(arg);
    else if (arg === "--format") {
      const value = args.optionValue(arg);
      if (!(QUERY_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--format must be one of ${QUERY_FORMATS.join(", ")}, not ${value}`);
      format = value as QueryFormat;
    } else if (arg === "--list") list = true;
    else if (arg === "--param") parameters.push(args.optionValue(arg));
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm query`);
    else text.push(arg);
  }
  const queries = loadNamedQueries();
  if (list) {
    if (text.length > 0) throw new UsageError("aqm query --list takes no query");
    for (const q of queries) io.stdout(`${q.name}${q.parameters.map((p) => ` --param ${p.toUpperCase()}`).join("")}\n    ${q.description}\n`);
    return EXIT.done;
  }
  if (text.length !== 1 || text[0]!.trim() === "") throw new UsageError("aqm query needs one SQL statement (quoted) or a named query's name");
  let sql: string;
  try {
    const resolved = resolveQuery(text[0]!, queries);
    sql = resolved.sql;
    const wanted = resolved.name === undefined ? undefined : queries.find((q) => q.name === resolved.name)!.parameters;
    if (wanted && wanted.length !== parameters.length) {
      throw new UsageError(
        `named query ${resolved.name} takes ${wanted.length === 0 ? "no --param" : `${wanted.length} --param (${wanted.join(", ")})`}, got ${parameters.length}`,
      );
    }
  } catch (error) {
    if (error instanceof UnknownNamedQuery) throw new UsageError(error.message);
    throw error;
  }
  const lake = await LakeQuery.open(lakeDirOf(stateDir));
  try {
    io.stdout(formatResult(await lake.run(sql, parameters), format));
    return EXIT.done;
  } catch (error) {
    return failedWith(error, [QueryFailed], io, "aqm query");
  } finally {
    lake.close();
  }
}
