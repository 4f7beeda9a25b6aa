import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { SimulatedFleet, type SimulatedFleetOptions } from "./SimulatedFleet.ts";
import type { FleetWorkerReport, FleetWorkerRequest } from "./FleetWorkers.ts";

/** How often the worker tells the main thread what its boards' serial logs say. */
const REPORT_EVERY_MS = 500;

/** One worker thread's share of the fleet: a SimulatedFleet of its own, its boards' states sent to the main thread now and then. */
const port = parentPort!;
const fleet = new SimulatedFleet(workerData as SimulatedFleetOptions);
const report = (): void => {
  const message: FleetWorkerReport = {
    kind: "status",
    poweredUp: fleet.poweredUp,
    drive: fleet.driveFigures,
    heapUsed: getHeapStatistics().used_heap_size,
    boards: fleet.statuses.map((s) => ({
      led: s.led,
      connection: s.connection,
      lastProblem: s.lastProblem,
      lastReading: s.lastReading,
      readings: s.readings,
      dropped: s.dropped,
      unparsedLines: s.unparsedLines,
    })),
  };
  port.postMessage(message);
};
const reporter = setInterval(report, REPORT_EVERY_MS);
void fleet.allPoweredUp.then(() => port.postMessage({ kind: "powered-up" } satisfies FleetWorkerReport));
port.on("message", (request: FleetWorkerRequest) => {
  void fleet.stop(request.drainLimitMs).then((outcomes) => {
    clearInterval(reporter);
    report();
    port.postMessage({ kind: "stopped", outcomes } satisfies FleetWorkerReport);
  });
});
