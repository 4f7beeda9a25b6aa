/**
 * npm run bench:twin [-- --boards N --seconds S --etl-every E] — end-to-end latency in the main
 * job: from a board's reading (its `ts`, the end of its sampling interval) to the moment that
 * reading is a queryable row of the curated lake (`aqm query` would return it). Prints figures;
 * asserts nothing.
 *
 * The path: the board publishes at QoS 1 over mutual TLS → local IoT Core → topic rule → local
 * Firehose (5 s buffer, as the main job sets it) → raw object → LakeLoop curation (every E s) →
 * Parquet. The stages are printed apart: publish to raw object (the object's write time) and raw
 * object to Parquet row (when the poller first saw it), so the buffer and schedule costs show.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchOptions } from "./BenchOptions.ts";
import { benchTwinOptions } from "./BenchTwin.ts";
import { readingsOf } from "../firmware/telemetry/TelemetryBatch.ts";
import { LakeQuery } from "../host-tools/local-cloud/lake/LakeQuery.ts";
import { MainJob } from "../host-tools/twin/MainJob.ts";

const HELP = `npm run bench:twin -- [options]

  --boards N      boards sampling every second (default 3)
  --seconds S     wall time of the run (default 60)
  --etl-every E   how often the lake is curated, in seconds (default 5)
  --help          this text`;

const { boards, seconds, "etl-every": etlEvery } = benchOptions(HELP, { boards: "3", seconds: "60", "etl-every": "5" });

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const line = (name: string, ms: number[]): string => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${name.padEnd(34)} p50 ${(quantile(sorted, 0.5) / 1000).toFixed(2).padStart(6)} s   p99 ${(quantile(sorted, 0.99) / 1000).toFixed(2).padStart(6)} s   max ${(sorted.at(-1)! / 1000).toFixed(2).padStart(6)} s   (${sorted.length} readings)`;
};

const state = mkdtempSync(path.join(os.tmpdir(), "aqm-bench-twin-"));
try {
  const options = benchTwinOptions(state, ["--boards", String(boards), "--interval", "1", "--etl-every", String(etlEvery)]);
  const job = await MainJob.start(options, () => undefined);
  const lakeDir = path.join(state, "lake");
  const seenAt = new Map<string, number>();
  const poll = async (): Promise<void> => {
    const lake = await LakeQuery.open(lakeDir);
    try {
      const now = Date.now();
      const result = await lake.run("SELECT thing, boot, seq FROM telemetry");
      for (const [thing, boot, seq] of result.rows) {
        const key = `${String(thing)}/${String(boot)}/${String(seq)}`;
        if (!seenAt.has(key)) seenAt.set(key, now);
      }
    } catch {
      // Nothing curated yet.
    } finally {
      lake.close();
    }
  };
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    await poll();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const summary = await job.stop();
  await poll();

  // Each raw line's reading time against its object's write time.
  const rawAt = new Map<string, number>();
  const sampledAt = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.startsWith(".")) {
        const written = statSync(full).mtimeMs;
        for (const text of readFileSync(full, "utf8").split("\n")) {
          if (!text) continue;
          for (const r of readingsOf(JSON.parse(text)) as { thing: string; boot: number; seq: number; ts: number }[]) {
            const key = `${r.thing}/${r.boot}/${r.seq}`;
            rawAt.set(key, written);
            sampledAt.set(key, r.ts);
          }
        }
      }
    }
  };
  walk(path.join(lakeDir, "raw"));
  // Readings curated only by the final curation at stop() were not seen while running: leave them out.
  const running = [...seenAt].filter(([key]) => sampledAt.has(key) && seenAt.get(key)! < deadline);
  console.log(`bench:twin — ${boards} boards at 1 s, ${seconds} s of wall time, Firehose buffer 5 s, curation every ${etlEvery} s, lake polled every 0.25 s`);
  console.log(
    line(
      "reading → raw object in the lake",
      running.map(([key]) => rawAt.get(key)! - sampledAt.get(key)!),
    ),
  );
  console.log(
    line(
      "raw object → queryable Parquet row",
      running.map(([key, at]) => at - rawAt.get(key)!),
    ),
  );
  console.log(
    line(
      "reading → queryable Parquet row",
      running.map(([key, at]) => at - sampledAt.get(key)!),
    ),
  );
  const taken = summary.boards.reduce((sum, b) => sum + b.readings, 0);
  const curated = summary.boards.reduce((sum, b) => sum + b.curated, 0);
  console.log(
    `readings taken ${taken}, in the curated lake after stop ${curated}, duplicates removed ${summary.pipeline.duplicates}, quarantined ${summary.pipeline.quarantined}`,
  );
} finally {
  rmSync(state, { recursive: true, force: true });
}
