import { stopReportLines } from "./StopReport.ts";
import { MainJob } from "./MainJob.ts";
import { UsageError } from "../field/cli/CommandArgs.ts";
import { MAIN_JOB_HELP, parseMainJobOptions } from "./MainJobOptions.ts";
import { NoticeRing } from "./NoticeRing.ts";
import { ReadingRate } from "./FleetSummary.ts";
import { renderStatusLine, renderView } from "./TerminalView.ts";

const EXIT_USAGE = 2;
const EXIT_FAILED = 1;
/** The notices the live view can show; older ones went to the screen when they happened. */
const NOTICES_KEPT = 100;

async function main(): Promise<number> {
  let options;
  try {
    options = parseMainJobOptions(process.argv.slice(2), Boolean(process.stdout.isTTY));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${MAIN_JOB_HELP}\n`);
    return EXIT_USAGE;
  }
  if (!options) {
    process.stdout.write(`${MAIN_JOB_HELP}\n`);
    return 0;
  }

  const notices = new NoticeRing(NOTICES_KEPT);
  const job = await MainJob.start(options, (line) => {
    notices.push(line);
    if (!options.live) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  });
  process.stdout.write(
    `local IoT Core listening on 127.0.0.1:${job.port} (mutual TLS); ${options.boards} boards sampling every ${options.intervalMs / 1000} s; lake: ${job.lake.lakeDir}; report: ${job.reportUrl}\n`,
  );

  const rate = new ReadingRate();
  const draw = (): void => {
    const perMinute = rate.sample(
      job.statuses.reduce((sum, s) => sum + s.readings, 0),
      performance.now(),
    );
    if (options.live) {
      const recent = notices
        .recent(3)
        .map((n) => `notice: ${n}`)
        .join("\n");
      process.stdout.write(
        `\x1b[H\x1b[2J${renderView(job.statuses, job.lake, true, process.stdout.columns || 160, perMinute)}${recent ? `\n\n${recent}` : ""}\n`,
      );
    } else {
      process.stdout.write(`${new Date().toISOString()} ${renderStatusLine(job.statuses, job.lake, perMinute)}\n`);
    }
  };
  const view = setInterval(draw, options.live ? 1000 : 5000);

  const stopped = new Promise<NodeJS.Signals | "duration">((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
    if (options.durationMs !== undefined) setTimeout(() => resolve("duration"), options.durationMs).unref();
  });
  const reason = await stopped;
  clearInterval(view);
  draw();
  process.stdout.write(`\nstopping (${reason}): boards send what they have buffered, then the lake writes out what it holds…\n`);
  const summary = await job.stop();
  for (const line of stopReportLines(summary.boards)) process.stdout.write(`${line}\n`);
  process.stdout.write(
    `lake: ${summary.lakeReadings} readings in ${summary.lakeRecords} messages in ${summary.lakeObjects} objects under ${job.lake.lakeDir}\n`,
  );
  const p = summary.pipeline;
  process.stdout.write(
    `curated: ${p.curated} readings, ${p.duplicates} duplicates removed, ${p.quarantined} quarantined; ${p.thresholdsPublished} thresholds sent to shadows in ${p.trainings} trainings\n`,
  );
  return summary.boards.every((b) => b.rogue || b.drained) ? 0 : EXIT_FAILED;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const detail = process.env.AQM_DEBUG ? ((error as Error).stack ?? String(error)) : `${(error as Error).message ?? String(error)} (AQM_DEBUG=1 shows where)`;
    process.stderr.write(`aqm: ${detail}\n`);
    process.exit(EXIT_FAILED);
  },
);
