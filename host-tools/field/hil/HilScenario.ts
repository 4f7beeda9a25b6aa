import type { BoardIdentity } from "../provision/BoardIdentity.ts";
import type { ConsoleLink } from "../provision/ConsoleLink.ts";
import type { DeviceUnderTest, DutCapability } from "./DeviceUnderTest.ts";
import type { MqttWatch } from "./MqttWatch.ts";
import type { SerialLogWatch } from "./SerialLogWatch.ts";

export interface HilContext {
  readonly dut: DeviceUnderTest;
  readonly serial: SerialLogWatch;
  readonly mqtt: MqttWatch;
  /** The board's serial console, on the same single reader of the port as `serial`. */
  readonly console: ConsoleLink;
  /** A new identity for `thing` from the run's CA, for the run's IoT Core at the address the board reaches it. */
  issueIdentity(thing: string): Promise<BoardIdentity>;
}

/** One scenario, written once for real and simulated boards. It throws to fail. */
export interface HilScenario {
  readonly name: string;
  readonly summary: string;
  readonly needs: readonly DutCapability[];
  run(context: HilContext): Promise<void>;
}

export class HilAssertion extends Error {}

export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new HilAssertion(message);
}
