/**
 * npm run bench:fleet -- --boards N [--seconds S] [--interval S] [--power-up S] [--etl-every S]
 *
 * A fleet of N simulated boards in the local twin (the real firmware bundle each, the real TLS
 * IoT Core, the lake's curation), run for S seconds of wall time after the power-up window, then
 * stopped cleanly. Prints: time until every board is online, resident memory, CPU seconds per
 * board-hour, readings taken against readings in the curated lake, sample → queryable row, and
 * how many boards this machine would carry (from the event loop's utilisation and the memory per
 * board). Prints figures; asserts nothing. Every figure is printed with the load average beside
 * it: on a shared machine the figures are those of the share this run got.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { benchOptions } from "./BenchOptions.ts";
import { benchTwinOptions } from "./BenchTwin.ts";
import { LakeQuery } from "../host-tools/local-cloud/lake/LakeQuery.ts";
import { simulatedBoard } from "../host-tools/board-sim/board/SimulatedBoard.ts";
import { NO_TRACES, TEST_TRACES, type BoardTraceLimits } from "../host-tools/board-sim/board/TraceRing.ts";
import { LoopbackBroker } from "../host-tools/board-sim/network/LoopbackBroker.ts";
import { VmBoard } from "../host-tools/board-sim/platform/VmBoard.ts";
import { SyntheticAir } from "../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { drivenBoard, FleetDrive } from "../host-tools/twin/FleetDrive.ts";
import { MainJob } from "../host-tools/twin/MainJob.ts";

const HELP = `npm run bench:fleet -- [options]

  --boards N      boards in the fleet (default 100)
  --seconds S     wall time the fleet runs after its power-up window (default 300)
  --interval S    each board's sampling interval (default 5, as the manifest)
  --power-up S    the power-up window (default: the twin's, one board every 50 ms)
  --etl-every S   how often the lake is curated (default 30)
  --help          this text

Run it for N = 100, 300 and 1000 for the curve bench/README.md keeps.`;

const values = benchOptions(HELP, { boards: "100", seconds: "300", interval: "5", "power-up": undefined, "etl-every": "30" });
const seconds = values.seconds;
if (seconds === 0) {
  process.stderr.write(`--seconds must be above 0\n\n${HELP}\n`);
  process.exit(2);
}
/** How often the bench asks the curated lake which readings it holds: the resolution of sample → row. */
const POLL_MS = 5_000;
/** How far back each poll of the curated lake looks; also the longest sample → row the figure can hold. */
const LATENCY_WINDOW_MS = 180_000;
/** A long run prints how it is going (memory, boards online) this often, on stderr. */
const PROGRESS_MS = 300_000;
const load = (): string => `load ${os.loadavg()[0]!.toFixed(2)}`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

const state = mkdtempSync(path.join(os.tmpdir(), "aqm-bench-fleet-"));
let options;
try {
  options = benchTwinOptions(state, [
    "--boards",
    String(values.boards),
    "--interval",
    String(values.interval),
    ...(values["power-up"] === undefined ? [] : ["--power-up", String(values["power-up"])]),
    "--etl-every",
    String(values["etl-every"]),
  ]);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${HELP}\n`);
  process.exit(2);
}
const boards = options.boards;

/**
 * The drive loop alone, against its peer in the same run: the same boards (firmware and
 * hardware, MQTT to a loopback broker: no TLS, no lake) over the same minute of a fake wall
 * clock in 50 ms turns, once leaving idle boards alone and once running every board every turn
 * as the twin's loop did before. The figure is the CPU time for the minute (the loop is
 * synchronous, so the process's CPU time is the main thread's); each variant runs twice and the
 * second, warm, run counts.
 */
async function driveLoopComparison(count: number): Promise<void> {
  const minute = async (maxIdleMs: number | undefined): Promise<{ ms: number; runs: number }> => {
    let wall = 0;
    const drive = new FleetDrive({ wallClock: () => wall, ...(maxIdleMs === undefined ? {} : { maxIdleMs }) });
    for (let i = 0; i < count; i++) {
      const air = new SyntheticAir(i + 1);
      const { sim } = simulatedBoard({
        thing: `aqm-drive-${i + 1}`,
        epochAtBoot: Date.UTC(2026, 11, 3),
        identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
        mqtt: new LoopbackBroker().connect,
        air: (t) => air.at(t),
        traces: NO_TRACES,
      });
      drive.add(drivenBoard(await VmBoard.boot(sim), sim), 0);
    }
    const started = process.cpuUsage();
    while (wall < 60_000) {
      wall += 50;
      drive.turn();
    }
    const cpu = process.cpuUsage(started);
    return { ms: (cpu.user + cpu.system) / 1000, runs: drive.figures.advances };
  };
  await minute(undefined);
  await minute(0);
  const idle = await minute(undefined);
  const every = await minute(0);
  console.log(
    `drive loop alone, ${count} boards × 60 s   leaving idle boards alone ${(idle.ms / 1000).toFixed(2)} CPU-s (${idle.runs} runs); every board every turn ${(every.ms / 1000).toFixed(2)} CPU-s (${every.runs} runs): ${(every.ms / idle.ms).toFixed(1)}× the time   (${load()})`,
  );
}

/**
 * Where a board's memory went before the traces were bounded: a few boards run an hour of board
 * time (virtual clock, as fast as they go) keeping every trace as tests do (TEST_TRACES, what
 * every board kept before) and keeping none (NO_TRACES, the twin's boards now); the heap after a
 * full GC is compared. Needs --expose-gc (the npm script passes it).
 */
async function traceMemory(count: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  const hour = async (traces: BoardTraceLimits): Promise<number> => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const air = new SyntheticAir(i + 1);
      const board = simulatedBoard({
        thing: `aqm-trace-${i + 1}`,
        epochAtBoot: Date.UTC(2026, 11, 3),
        identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
        mqtt: new LoopbackBroker().connect,
        air: (t) => air.at(t),
        traces,
        config: { sampleIntervalMs: 5_000 },
      });
      const vm = await VmBoard.boot(board.sim);
      for (let t = 0; t < 3_600_000; t += 1_000) vm.advance(1_000);
      kept.push(board, vm);
    }
    gc();
    const used = process.memoryUsage().heapUsed - before;
    kept.length = 0;
    return used / count;
  };
  const all = await hour(TEST_TRACES);
  const none = await hour(NO_TRACES);
  console.log(
    `memory of a board after an hour          keeping every trace (as before) ${mb(all)}, keeping none (the twin now) ${mb(none)}: ${mb(all - none)} a board was traces   (${load()})`,
  );
}

try {
  await traceMemory(3);
  await driveLoopComparison(Math.min(boards, 100));
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const job = await MainJob.start(options, () => undefined);
  const startupMs = performance.now() - startedAt;
  console.log(
    `load average at the start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} on ${os.cpus().length} cores`,
  );
  console.log(
    `bench:fleet — ${boards} boards sampling every ${options.intervalMs / 1000} s, power-up window ${options.powerUpWindowMs / 1000} s, then ${seconds} s; curation every ${options.etlEveryMs / 1000} s; ${os.cpus().length} cores, ${(os.totalmem() / 1e9).toFixed(0)} GB`,
  );
  console.log(`start-up (CA, ${boards} identities, IoT Core, lake, report)   ${(startupMs / 1000).toFixed(1)} s   (${load()})`);

  const lakeDir = path.join(state, "lake");
  /**
   * Sample → queryable row for each reading first seen within LATENCY_WINDOW_MS of its sample
   * time. The poll reads only that window, so an hour of a thousand boards is not read again every
   * 5 s; only the window's keys are kept, and a reading curated later than that is counted apart.
   */
  const latencies: number[] = [];
  const seenInWindow = new Map<string, number>();
  const poll = async (): Promise<void> => {
    const lake = await LakeQuery.open(lakeDir);
    try {
      const now = Date.now();
      const from = now - LATENCY_WINDOW_MS;
      const result = await lake.run(`SELECT thing, boot, seq, ts FROM telemetry WHERE ts >= ${from}`);
      for (const [thing, boot, seq, ts] of result.rows) {
        const key = `${String(thing)}/${String(boot)}/${String(seq)}`;
        if (seenInWindow.has(key)) continue;
        seenInWindow.set(key, Number(ts));
        latencies.push(now - Number(ts));
      }
      for (const [key, ts] of seenInWindow) if (ts < from) seenInWindow.delete(key);
    } catch {
      // Nothing curated yet.
    } finally {
      lake.close();
    }
  };
  let lastProgress = performance.now();
  const workerHeaps = (): string => (job.boardHeaps.length === 0 ? "" : `, boards' worker heap ${job.boardHeaps.map(mb).join(" + ")}`);

  let allOnlineAt: number | undefined;
  let heapPeak = 0;
  let rssPeak = 0;
  const windowEnd = startedAt + startupMs + options.powerUpWindowMs;
  const deadline = windowEnd + seconds * 1000;
  let elu = performance.eventLoopUtilization();
  let steadyElu: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let steadyCpu: NodeJS.CpuUsage | undefined;
  let boardLoopsAtOnline: readonly EventLoopUtilization[] = [];
  let nextPoll = performance.now() + POLL_MS;
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const memory = process.memoryUsage();
    heapPeak = Math.max(heapPeak, memory.heapUsed);
    rssPeak = Math.max(rssPeak, memory.rss);
    if (allOnlineAt === undefined && job.poweredUp === job.statuses.length && job.statuses.every((s) => s.connection === "online")) {
      allOnlineAt = performance.now();
      // The steady state starts here: utilisation and CPU from now on are what the running fleet costs.
      elu = performance.eventLoopUtilization();
      boardLoopsAtOnline = job.boardLoops;
      steadyCpu = process.cpuUsage();
    }
    if (performance.now() >= nextPoll) {
      nextPoll += POLL_MS;
      await poll();
    }
    if (performance.now() - lastProgress >= PROGRESS_MS) {
      lastProgress = performance.now();
      const online = job.statuses.filter((s) => s.connection === "online").length;
      process.stderr.write(
        `${((lastProgress - startedAt) / 1000).toFixed(0)} s: ${online} of ${boards} online, resident ${mb(memory.rss)}, main heap ${mb(memory.heapUsed)}${workerHeaps()}, ${latencies.length} readings queryable   (${load()})\n`,
      );
    }
  }
  if (allOnlineAt !== undefined) steadyElu = performance.eventLoopUtilization(elu);
  const boardLoopUse = job.boardLoops.map((now, i) => busyShare(now, boardLoopsAtOnline[i]));
  const steady = steadyCpu && allOnlineAt !== undefined ? { cpu: process.cpuUsage(steadyCpu), ms: performance.now() - allOnlineAt } : undefined;
  const memory = process.memoryUsage();
  const runMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuAtStart);
  const drive = job.driveFigures;
  const summary = await job.stop(60_000);
  const taken = summary.boards.reduce((sum, b) => sum + b.readings, 0);
  const curated = summary.boards.reduce((sum, b) => sum + b.curated, 0);
  const online = job.statuses.filter((s) => s.connection === "online").length;

  console.log(
    allOnlineAt === undefined
      ? `all online                                NEVER: ${online} of ${boards} online at the end   (${load()})`
      : `all online                                ${((allOnlineAt - startedAt - startupMs) / 1000).toFixed(1)} s after the first power-up, ${((allOnlineAt - windowEnd) / 1000).toFixed(1)} s after the window's end   (${load()})`,
  );
  console.log(
    `resident memory                           ${mb(memory.rss)} at the end, peak ${mb(rssPeak)}; main heap ${mb(memory.heapUsed)}, peak ${mb(heapPeak)}${workerHeaps()}   (${load()})`,
  );
  // Board-hours: each board from its power-up (spread over the window) to the end.
  const boardHours = (boards * (runMs - startupMs - options.powerUpWindowMs / 2)) / 3_600_000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `CPU                                       ${cpuSeconds.toFixed(0)} s over ${boardHours.toFixed(2)} board-hours: ${(cpuSeconds / boardHours).toFixed(2)} CPU-s per board-hour, start-up included   (${load()})`,
  );
  if (steady) {
    const steadyHours = (boards * steady.ms) / 3_600_000;
    console.log(
      `CPU with every board online               ${((steady.cpu.user + steady.cpu.system) / 1e6 / steadyHours).toFixed(2)} CPU-s per board-hour over ${(steady.ms / 1000).toFixed(0)} s   (${load()})`,
    );
  }
  console.log(
    `drive loop                                ${drive.turns} turns, ${drive.advances} board runs, ${drive.idle} idle boards skipped (${((100 * drive.idle) / Math.max(1, drive.idle + drive.advances)).toFixed(0)} % of board-turns)`,
  );
  console.log(
    `readings taken / in the curated lake      ${taken} / ${curated}${taken === curated ? " (all)" : `: ${taken - curated} MISSING`}; duplicates removed ${summary.pipeline.duplicates}, quarantined ${summary.pipeline.quarantined}`,
  );
  latencies.sort((a, b) => a - b);
  const quantile = (q: number): string => ((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN) / 1000).toFixed(1);
  console.log(
    `sample → queryable row                    p50 ${quantile(0.5)} s, p99 ${quantile(0.99)} s over ${latencies.length} readings (lake polled every ${POLL_MS / 1000} s; curation every ${options.etlEveryMs / 1000} s); ${curated - latencies.length} curated later than ${LATENCY_WINDOW_MS / 1000} s after their sample or after the run, not in the figure`,
  );
  const clock = await clockOffsets(lakeDir);
  if (clock)
    console.log(
      `board clock against the IoT Core's        received_at − ts p50 ${clock.first} ms over the first minute, ${clock.last} ms over the last (a board clock running fast would shrink it)`,
    );
  if (steadyElu && steady) {
    // Each resource's share grows with the fleet; the first to reach 90 % (80 % of memory) is the limit.
    const limits = [
      {
        what: `the main thread (IoT Core, lake) ${(100 * steadyElu.utilization).toFixed(0)} % busy`,
        boards: (boards * 0.9) / Math.max(steadyElu.utilization, 1e-6),
      },
      {
        what: `the boards' loop${boardLoopUse.length > 1 ? "s" : ""} ${boardLoopUse.map((u) => `${(100 * u).toFixed(0)} %`).join(", ")} busy`,
        boards: (boards * 0.9) / Math.max(...boardLoopUse, 1e-6),
      },
      {
        what: `${os.cpus().length} cores at ${((steady.cpu.user + steady.cpu.system) / 1e6 / ((boards * steady.ms) / 3_600_000)).toFixed(2)} CPU-s per board-hour`,
        boards: (os.cpus().length * 0.9 * boards * steady.ms) / ((steady.cpu.user + steady.cpu.system) / 1000),
      },
      { what: `${mb(memory.rss / boards)} resident per board`, boards: (os.totalmem() * 0.8) / (memory.rss / boards) },
    ];
    const limit = limits.reduce((a, b) => (b.boards < a.boards ? b : a));
    console.log(
      `how far this machine goes                 ~${Math.floor(limit.boards)} boards, limited by ${limit.what} with ${boards} online; the others: ${limits
        .filter((l) => l !== limit)
        .map((l) => `${l.what} (~${Math.floor(l.boards)})`)
        .join("; ")}   (${load()})`,
    );
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}

/** The share of the time a loop was busy between two of its cumulative readings (all of it when there is no earlier one). */
function busyShare(now: EventLoopUtilization, before: EventLoopUtilization | undefined): number {
  const active = now.active - (before?.active ?? 0);
  const idle = now.idle - (before?.idle ?? 0);
  return active / Math.max(active + idle, 1e-6);
}

/** received_at − ts (the rule's clock minus the board's) at the start and the end of the run: a drifting board clock shows as a trend. */
async function clockOffsets(lakeDir: string): Promise<{ first: number; last: number } | undefined> {
  const lake = await LakeQuery.open(lakeDir);
  try {
    const result = await lake.run(
      "WITH r AS (SELECT ts, received_at - ts AS offset_ms FROM telemetry), b AS (SELECT min(ts) AS first_ts, max(ts) AS last_ts FROM r) " +
        "SELECT median(offset_ms) FILTER (WHERE ts < first_ts + 60000), median(offset_ms) FILTER (WHERE ts > last_ts - 60000) FROM r, b",
    );
    const [first, last] = result.rows[0] ?? [];
    return first === null || first === undefined ? undefined : { first: Math.round(Number(first)), last: Math.round(Number(last)) };
  } catch {
    return undefined;
  } finally {
    lake.close();
  }
}
