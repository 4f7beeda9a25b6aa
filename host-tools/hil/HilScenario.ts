import type { DeviceUnderTest, DutCapability } from "./DeviceUnderTest.ts";
import type { MqttWatch } from "./MqttWatch.ts";
import type { SerialLogWatch } from "./SerialLogWatch.ts";

export interface HilContext {
  readonly dut: DeviceUnderTest;
  readonly serial: SerialLogWatch;
  readonly mqtt: MqttWatch;
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
