import type { DutIdentity } from "./DeviceUnderTest.ts";
import type { HilContext } from "./HilScenario.ts";

/** Real time on a real board: generous, since Wi-Fi, SNTP and TLS each take seconds. */
export const BOOT_MS = 30_000;
export const STEP_MS = 20_000;

/** Powers the board on and waits for its start line; readings are told apart by the boot number it gives. */
export async function powerOn({ dut, serial }: HilContext, identity: DutIdentity = "valid"): Promise<{ mark: number; boot: number }> {
  const mark = serial.mark;
  await dut.powerOn(identity);
  const started = await serial.waitFor("BT100", { after: mark, timeoutMs: BOOT_MS, fields: { thing: dut.thing } });
  return { mark, boot: Number(started.fields.boot) };
}

/** This boot's readings at the IoT Core: a board may still deliver an earlier boot's from its flash. */
export function readings({ mqtt, dut }: HilContext, boot: number): Record<string, unknown>[] {
  return mqtt.telemetry(dut.thing).filter((r) => r.boot === boot);
}
