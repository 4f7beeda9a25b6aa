import { AirReplay, type StationRecord } from "../board-sim/scenarios/AirReplay.ts";
import { SyntheticAir, type AirSample } from "../board-sim/scenarios/SyntheticAir.ts";

/** What the fleet breathes, as plain data: it crosses to worker threads, where each board's air is made. */
export type FleetAirSource = { readonly kind: "synthetic" } | { readonly kind: "replay"; readonly records: readonly StationRecord[] };

/** Replaying boards start this far apart in the records, so each breathes different air. */
const REPLAY_OFFSET_MS = 5 * 3_600_000;

/** The air the board of seed `seed` breathes, by wall time. */
export function fleetAir(source: FleetAirSource, seed: number): (epochMs: number) => AirSample {
  const air = source.kind === "replay" ? new AirReplay(source.records, { startAt: Date.now() - seed * REPLAY_OFFSET_MS }) : new SyntheticAir(seed);
  return (t) => air.at(t);
}
