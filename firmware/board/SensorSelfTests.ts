import type { SelfTestOutcome, SensorSelfTest } from "../console/SelfTestRun";
import { faultCodeOf } from "../sampling/FaultCode";
import type { FaultLatch } from "../sampling/FaultLatch";

/** A driver's read as a self-test: it either gives a value or has reported why through its latch. */
function fromRead(latch: FaultLatch, read: () => boolean, fallback: string): SelfTestOutcome {
  const ok = read();
  const reason = latch.take();
  // The sampler reads the same latch: hand the reason back so its next reading reports it too.
  if (reason !== undefined) latch.note(reason);
  if (ok && reason === undefined) return { ok: true };
  return { ok: false, fault: faultCodeOf(reason ?? fallback) };
}

/** The SHT4x answers a serial-number read and a measurement, both with good CRCs. */
export function sht4xSelfTest(
  sensor: { readSerialNumber(): number | undefined; sample(): { thermometer?: object; hygrometer?: object } | undefined },
  latch: FaultLatch,
): SensorSelfTest {
  return {
    name: "sht4x",
    run: (report) =>
      report(
        fromRead(
          latch,
          () => {
            const sample = sensor.readSerialNumber() !== undefined ? sensor.sample() : undefined;
            return sample?.thermometer !== undefined && sample.hygrometer !== undefined;
          },
          "SHT4x gave no sample",
        ),
      ),
  };
}

/** One ADS1115 converts its first input: the bus, the configuration write and the conversion all work. */
export function ads1115SelfTest(adc: { readMillivolts(input: 0): number | undefined }, address: number, latch: FaultLatch): SensorSelfTest {
  return {
    name: `ads1115-0x${address.toString(16)}`,
    run: (report) => report(fromRead(latch, () => adc.readMillivolts(0) !== undefined, "ADS1115 gave no conversion")),
  };
}

/**
 * The PMS5003 passes once it delivers a valid frame. It sends one every 2.3 s while awake; a
 * sensor asleep between samples sends nothing until the sampler wakes it, so the test keeps
 * looking until the console's timeout.
 */
export function pms5003SelfTest(
  sensor: { sample(): object | undefined },
  latch: FaultLatch,
  timer: { set(callback: () => void, ms: number): unknown },
  pollMs = 500,
): SensorSelfTest {
  return {
    name: "pms5003",
    run: (report) => {
      const look = (): void => {
        if (sensor.sample() !== undefined) {
          report({ ok: true });
          return;
        }
        const reason = latch.take();
        if (reason !== undefined) {
          latch.note(reason);
          report({ ok: false, fault: faultCodeOf(reason) });
          return;
        }
        timer.set(look, pollMs);
      };
      look();
    },
  };
}
