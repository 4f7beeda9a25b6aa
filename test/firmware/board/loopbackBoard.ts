/**
 * The usual board test set-up: the whole firmware on a simulated board whose MQTT connections go
 * to a loopback broker, so the test reads what the board publishes and plays the cloud's part.
 */
import { LoopbackBroker } from "../../../host-tools/board-sim/network/LoopbackBroker.ts";
import type { AirSample } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard, type SimulatedBoard, type SimulatedBoardOptions } from "../../../host-tools/board-sim/board/SimulatedBoard.ts";

export interface LoopbackBoardOptions extends Omit<SimulatedBoardOptions, "mqtt" | "air"> {
  /** What the sensors measure: a SyntheticAir, an AirReplay, or any air by wall time. */
  readonly air: { at(epochMs: number): AirSample };
  /** A fresh broker unless given one: a restart test gives the next boot the first boot's broker. */
  readonly broker?: LoopbackBroker;
}

export interface LoopbackBoard extends SimulatedBoard {
  readonly broker: LoopbackBroker;
}

/** A reading every 10 s unless `config` says otherwise, so a test sees readings after seconds of virtual time. */
export function loopbackBoard({ air, broker = new LoopbackBroker(), ...options }: LoopbackBoardOptions): LoopbackBoard {
  return { broker, ...simulatedBoard({ config: { sampleIntervalMs: 10_000 }, ...options, mqtt: broker.connect, air: (t) => air.at(t) }) };
}
