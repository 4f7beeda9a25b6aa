import { telemetryTopic } from "../../../firmware/session/MqttTopics.ts";
import { expect, type HilScenario } from "./HilScenario.ts";
import { PROVISIONING } from "./ProvisioningScenario.ts";
import { powerOn, readings, STEP_MS } from "./ScenarioSteps.ts";

const contiguous = (seqs: number[]): boolean => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);

export const HIL_SCENARIOS: readonly HilScenario[] = [
  {
    name: "boot",
    summary: "the board starts, joins Wi-Fi, sets its clock from SNTP, connects over TLS, and the LED says so at each step",
    needs: [],
    async run(context) {
      const { serial } = context;
      const { mark } = await powerOn(context);
      await serial.waitFor("NW121", { after: mark, timeoutMs: STEP_MS });
      await serial.waitFor("MQ401", { after: mark, timeoutMs: STEP_MS });
      await serial.waitFor("LD500", { after: mark, timeoutMs: STEP_MS, fields: { state: "online" } });
      const leds = serial
        .events(mark)
        .filter((e) => e.code === "LD500")
        .map((e) => e.fields.state);
      const order = ["joining-wifi", "waiting-for-time", "connecting", "online"].map((state) => leds.indexOf(state));
      expect(
        order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)),
        `LED states in boot order, got ${leds.join(" → ")}`,
      );
    },
  },
  {
    name: "publishing",
    summary: "readings reach the IoT Core on the board's own topic, schema v2, numbered without gaps, stamped with the right time",
    needs: [],
    async run(context) {
      const { mqtt, dut } = context;
      const { boot } = await powerOn(context);
      await mqtt.until(() => readings(context, boot).length >= 3, "three readings", STEP_MS * 2);
      const seen = readings(context, boot);
      expect(
        seen.every((r) => r.v === 2 && r.thing === dut.thing),
        "schema v2, from this thing",
      );
      const seqs = seen.map((r) => r.seq as number);
      expect(contiguous(seqs) && seqs[0] === 1, `sequence numbers from 1 without gaps: ${seqs.join(",")}`);
      expect(
        seen.every((r) => Object.keys(r.health as object).length === 9),
        "health for all nine channels",
      );
      const skew = Math.abs((seen.at(-1)!.ts as number) - Date.now());
      expect(skew < 60_000, `the reading's time is the host's within a minute (off by ${skew} ms)`);
    },
  },
  {
    name: "network-loss",
    summary: "with the access point gone the board logs network down and keeps sampling; back, it rejoins, reconnects and delivers every reading",
    needs: ["network-control"],
    async run(context) {
      const { mqtt, dut, serial } = context;
      const { mark, boot } = await powerOn(context);
      await mqtt.until(() => readings(context, boot).length >= 2, "readings before the outage", STEP_MS);
      const outage = serial.mark;
      dut.dropNetwork();
      await serial.waitFor("MQ410", { after: outage, timeoutMs: STEP_MS });
      await serial.waitFor("LD500", { after: outage, timeoutMs: STEP_MS, fields: { state: "joining-wifi" } });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const taken = serial.events(mark).filter((e) => e.code === "SM300").length;
      dut.restoreNetwork();
      await serial.waitFor("MQ401", { after: outage, timeoutMs: STEP_MS * 4 });
      await mqtt.until(() => new Set(readings(context, boot).map((r) => r.seq)).size >= taken, `all ${taken} readings taken by the end of the outage`, STEP_MS);
      const seqs = [...new Set(readings(context, boot).map((r) => r.seq as number))].sort((a, b) => a - b);
      expect(contiguous(seqs) && seqs[0] === 1, `every reading of this boot arrived: ${seqs.join(",")}`);
    },
  },
  {
    name: "sensor-fault",
    summary: "an SHT4x taken off the bus is reported once (SN200, code nack), its channels are left out, never zero, and it recovers when put back",
    needs: ["sensor-control"],
    async run(context) {
      const { mqtt, dut, serial } = context;
      const { boot } = await powerOn(context);
      await mqtt.until(() => readings(context, boot).length >= 1, "a first reading", STEP_MS);
      const fault = serial.mark;
      dut.unplugClimateSensor();
      await serial.waitFor("SN200", { after: fault, timeoutMs: STEP_MS, fields: { channel: "temperature_c", code: "nack" } });
      const nack = (r: Record<string, unknown>): boolean => (r.health as Record<string, string>).temperature_c === "fault:nack";
      await mqtt.until(() => readings(context, boot).some(nack), "a reading with fault:nack", STEP_MS);
      const faulty = readings(context, boot).find(nack)!;
      expect(!("temperature_c" in faulty) && !("humidity_pct" in faulty), "the failed channels are absent, not zero");
      dut.plugClimateSensor();
      await serial.waitFor("SN210", { after: fault, timeoutMs: STEP_MS, fields: { channel: "temperature_c" } });
    },
  },
  {
    name: "bad-certificate",
    summary:
      "a certificate from a CA the IoT Core does not trust is refused in the handshake, the core naming why; given no TLS alert the board cannot tell it from a reset, says broker unreachable and backs off without getting through",
    needs: ["identity-control"],
    async run(context) {
      const { mqtt, serial } = context;
      const { mark, boot } = await powerOn(context, "untrusted");
      // The local IoT Core (Node's TLS) closes a refused handshake without an alert: the board sees the cut a full
      // listen queue also gives, so it files it as the network and retries on the short backoff (issue 20).
      await serial.waitFor("MQ411", { after: mark, timeoutMs: STEP_MS });
      await serial.waitFor("LD500", { after: mark, timeoutMs: STEP_MS, fields: { state: "broker-unreachable" } });
      const wait = Number(serial.events(mark).find((e) => e.code === "MQ420")?.fields.retry_ms);
      expect(wait > 0 && wait < 600_000, `the next attempt waits the short backoff, got ${wait} ms`);
      expect(
        mqtt.refusals.some((r) => r.reason === "tls"),
        "the IoT Core refused the handshake",
      );
      expect(readings(context, boot).length === 0, "nothing of this boot got through");
    },
  },
  {
    name: "shadow-config",
    summary:
      "a sampling interval set in the Device Shadow's desired state is applied (SH700), reported back until no delta is left, and followed by the readings; the old one is then restored",
    needs: [],
    async run(context) {
      const { mqtt, dut, serial } = context;
      const { boot } = await powerOn(context);
      await mqtt.until(() => mqtt.shadow(dut.thing)?.state.reported?.boot === boot, "the board's first shadow report", STEP_MS);
      const reported = mqtt.shadow(dut.thing)!.state.reported!;
      const read = Number(reported.readIntervalMs);
      const before = Number(reported.sampleIntervalMs);
      const target = before === 2 * read ? 3 * read : 2 * read;
      const mark = serial.mark;
      const telemetryMark = mqtt.mark;
      mqtt.setDesired(dut.thing, { sampleIntervalMs: target });
      try {
        await serial.waitFor("SH700", { after: mark, timeoutMs: STEP_MS });
        await mqtt.until(
          () => mqtt.shadow(dut.thing)?.state.reported?.sampleIntervalMs === target && mqtt.shadow(dut.thing)?.state.delta === undefined,
          "the new interval reported, no delta left",
          STEP_MS,
        );
        const afterChange = (): Record<string, unknown>[] =>
          mqtt.telemetry(dut.thing, telemetryMark).filter((r) => r.boot === boot && r.interval_s === target / 1000);
        await mqtt.until(() => afterChange().length >= 2, `two readings at ${target / 1000} s`, STEP_MS + 3 * target);
      } finally {
        // A real board keeps shadow settings across restarts: leave it as it was found.
        mqtt.setDesired(dut.thing, { sampleIntervalMs: before });
      }
      await mqtt.until(() => mqtt.shadow(dut.thing)?.state.reported?.sampleIntervalMs === before, "the old interval restored", STEP_MS);
    },
  },
  {
    name: "metered-link",
    summary:
      "a batch wait set in the Device Shadow makes the board send several readings a message (SH700, reported back), none lost or out of order; set back to 0, readings go one a message again",
    needs: [],
    async run(context) {
      const { mqtt, dut, serial } = context;
      const { boot } = await powerOn(context);
      await mqtt.until(() => mqtt.shadow(dut.thing)?.state.reported?.boot === boot, "the board's first shadow report", STEP_MS);
      const interval = Number(mqtt.shadow(dut.thing)!.state.reported!.sampleIntervalMs);
      const wait = 3 * interval;
      const mark = serial.mark;
      const telemetryMark = mqtt.mark;
      const batches = (): number[] =>
        mqtt.messages
          .slice(telemetryMark)
          .flatMap((m) =>
            m.thing === dut.thing && m.topic === telemetryTopic(dut.thing) && Array.isArray(m.json?.batch) ? [(m.json.batch as unknown[]).length] : [],
          );
      mqtt.setDesired(dut.thing, { batchWaitMs: wait });
      try {
        await serial.waitFor("SH700", { after: mark, timeoutMs: STEP_MS, fields: { fields: "batchWaitMs" } });
        await mqtt.until(() => mqtt.shadow(dut.thing)?.state.reported?.batchWaitMs === wait, "the batch wait reported", STEP_MS);
        await mqtt.until(() => batches().some((n) => n >= 2), `a message carrying several readings, ${wait / 1000} s apart`, STEP_MS + 3 * wait);
      } finally {
        mqtt.setDesired(dut.thing, { batchWaitMs: 0 });
      }
      await mqtt.until(() => mqtt.shadow(dut.thing)?.state.reported?.batchWaitMs === 0, "the batch wait back to 0", STEP_MS);
      const taken = serial.events(mark).filter((e) => e.code === "SM300").length;
      await mqtt.until(() => new Set(readings(context, boot).map((r) => r.seq)).size >= taken, `the ${taken} readings taken meanwhile`, STEP_MS);
      const seqs = [...new Set(readings(context, boot).map((r) => r.seq as number))].sort((a, b) => a - b);
      expect(contiguous(seqs) && seqs[0] === 1, `every reading of this boot arrived: ${seqs.join(",")}`);
    },
  },
  // Last: on a real board it starts with a factory reset, so a failure leaves the board unprovisioned for whatever would follow.
  PROVISIONING,
];
