import type { StopSummary } from "./MainJob.ts";
import { FEW_BOARDS } from "./TerminalView.ts";

type StoppedBoard = StopSummary["boards"][number];

/** A board's readings that are not in the curated lake: still queued, or quarantined. */
const missing = (board: StoppedBoard): number => (board.rogue ? 0 : board.readings - board.curated);

/** A board the stop must name: not drained, or with readings missing, or a rogue board (so its refusal shows). */
const needsNaming = (board: StoppedBoard): boolean => board.rogue || !board.poweredUp || !board.drained || missing(board) > 0;

function boardLine(board: StoppedBoard): string {
  const outcome = board.rogue
    ? `refused by the IoT Core as it must be (LED ${board.led})`
    : !board.poweredUp
      ? "never powered up (the stop came inside the power-up window)"
      : board.drained
        ? "all acknowledged"
        : "NOT all acknowledged before the time limit (they stay in the board's queue)";
  const boots = board.boots > 1 ? ` over ${board.boots} boots` : "";
  const lost = missing(board) > 0 ? ` (${missing(board)} of its readings are not: still queued, or quarantined)` : "";
  return `${board.thing}: ${board.readings} readings${boots}, ${outcome}; ${board.curated} in the curated lake${lost}`;
}

/**
 * What the twin prints of its boards when it stops: every board of a small fleet; of a larger one
 * a count and only the boards that need a look, so a thousand clean boards are one line.
 */
export function stopReportLines(boards: StopSummary["boards"]): string[] {
  if (boards.length <= FEW_BOARDS) return boards.map(boardLine);
  const named = boards.filter(needsNaming);
  const fleet = boards.filter((b) => !b.rogue);
  const taken = fleet.reduce((sum, b) => sum + b.readings, 0);
  const curated = fleet.reduce((sum, b) => sum + b.curated, 0);
  const clean = fleet.filter((b) => !needsNaming(b)).length;
  return [
    ...named.map(boardLine),
    `${fleet.length} boards: ${taken} readings taken, ${curated} in the curated lake; ${clean} boards had every reading acknowledged and curated${named.length > 0 ? `, ${named.length} listed above` : ""}`,
  ];
}
