/**
 * npm run bench:cost — what one board costs on the wire and on the IoT Core bill, measured from
 * a simulated day of the real firmware at the default interval. Prints figures; asserts nothing.
 *
 * Billing units (AWS IoT Core pricing page): messaging is metered per message in 5 KB
 * increments; Device Shadow and registry operations in 1 KB increments. Wire bytes count the
 * MQTT PUBLISH packet (fixed header, topic, packet id, payload) and the TLS 1.2 record around it
 * (5-byte header + 8-byte explicit nonce + 16-byte GCM tag with AES-GCM suites).
 */
import { VmBoard } from "../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../host-tools/board-sim/network/LoopbackBroker.ts";
import { SyntheticAir } from "../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../host-tools/board-sim/board/SimulatedBoard.ts";
import { shadowTopicPrefix, telemetryTopic } from "../firmware/session/MqttTopics.ts";
import { readingsOf } from "../firmware/telemetry/TelemetryBatch.ts";

const DAY_MS = 86_400_000;
const INTERVAL_MS = Number(process.argv[2] ?? 60_000);
const MESSAGE_UNIT = 5 * 1024;
const SHADOW_UNIT = 1024;
const TLS_RECORD_OVERHEAD = 5 + 8 + 16;

function remainingLengthBytes(length: number): number {
  return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

/** A PUBLISH packet's size: fixed header, remaining-length bytes, topic with its length, packet id at QoS 1, payload. */
function publishBytes(topic: string, payload: number, qos: number): number {
  const variable = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + payload;
  return 1 + remainingLengthBytes(variable) + variable;
}

const offlineHours = 6;

/** A day of one simulated board; offline (broker unreachable) for its first `offlineMs`, then online. `received` has each telemetry message's board time of arrival. */
async function day(
  thing: string,
  offlineMs: number,
  batchWaitMs = 0,
): Promise<{ broker: LoopbackBroker; topic: string; sampled: number; received: { at: number; payload: Uint8Array }[] }> {
  const topic = telemetryTopic(thing);
  const shadowGet = `${shadowTopicPrefix(thing)}/get`;
  const broker = new LoopbackBroker();
  const air = new SyntheticAir(1);
  const epochAtBoot = Date.UTC(2026, 10, 22);
  const board = simulatedBoard({
    thing,
    epochAtBoot,
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    mqtt: broker.connect,
    air: (t) => air.at(t),
    config: { sampleIntervalMs: INTERVAL_MS, batchWaitMs },
  });
  // The shadow service answers the board's get as AWS does when there is no shadow yet.
  const received: { at: number; payload: Uint8Array }[] = [];
  let boardNow = (): number => 0;
  broker.onPublish = (p) => {
    if (p.topic === shadowGet) broker.deliver(`${shadowGet}/rejected`, JSON.stringify({ code: 404, message: "No shadow exists" }));
    if (p.topic === topic) received.push({ at: boardNow(), payload: p.payload });
  };
  const vm = await VmBoard.boot(board.sim);
  boardNow = () => epochAtBoot + vm.now;
  if (offlineMs > 0) {
    broker.refuse = { code: "broker-unreachable", message: "ECONNREFUSED" };
    vm.advance(offlineMs);
    broker.refuse = undefined;
  }
  vm.advance(DAY_MS - offlineMs);
  return { broker, topic, sampled: vm.firmware.board.sequence, received };
}

const decoder = new TextDecoder();

/** Each reading's wait, in seconds, from the end of its interval (its ts) to its arrival, in board time; sorted. */
function waitsOf(received: readonly { at: number; payload: Uint8Array }[]): number[] {
  return received
    .flatMap(({ at, payload }) => (readingsOf(JSON.parse(decoder.decode(payload))) as { ts: number }[]).map((r) => (at - r.ts) / 1000))
    .sort((a, b) => a - b);
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

const LIVE_THING = "aqm-cost-0001";
const { broker, topic: liveTopic, received: liveReceived } = await day(LIVE_THING, 0);
const telemetry = broker.publishes.filter((p) => p.topic === liveTopic);
const shadow = broker.publishes.filter((p) => p.topic.startsWith(`${shadowTopicPrefix(LIVE_THING)}/`));
const sizes = telemetry.map((p) => p.payload.length).sort((a, b) => a - b);
const median = quantile(sizes, 0.5);
const wire = telemetry.map((p) => publishBytes(p.topic, p.payload.length, 1) + TLS_RECORD_OVERHEAD);
const meanWire = wire.reduce((a, b) => a + b, 0) / wire.length;
const billed = (messages: readonly { payload: Uint8Array }[]) => messages.reduce((sum, p) => sum + Math.ceil(p.payload.length / MESSAGE_UNIT), 0);
const billedShadow = shadow.reduce((sum, p) => sum + Math.ceil(Math.max(1, p.payload.length) / SHADOW_UNIT), 0);

console.log(`one simulated board, one day at a ${INTERVAL_MS / 1000} s interval (real firmware, loopback broker)`);
console.log(`telemetry messages: ${telemetry.length}; payload bytes median ${median}, min ${sizes[0]}, max ${sizes.at(-1)}`);
console.log(
  `bytes on the wire per reading (MQTT PUBLISH QoS 1 + TLS 1.2 record, excluding the 4-byte PUBACK back): mean ${meanWire.toFixed(0)}; per day ${(wire.reduce((a, b) => a + b, 0) / 1024).toFixed(0)} KiB`,
);
console.log(
  `billed IoT Core messages per board per day (5 KB units): ${billed(telemetry)} telemetry; shadow operations (1 KB units): ${billedShadow} over ${shadow.length} shadow messages`,
);
console.log(`by default a live reading goes alone (${((median / MESSAGE_UNIT) * 100).toFixed(0)} % of its 5 KB unit), so live data waits for nobody`);

const WAIT_MS = 600_000;
const { sampled: meteredSampled, received: meteredReceived } = await day("aqm-cost-0003", 0, WAIT_MS);
const waits = waitsOf(meteredReceived);
const liveWaits = waitsOf(liveReceived);
const meteredBilled = billed(meteredReceived);
const meteredSizes = meteredReceived.map((m) => m.payload.length).sort((a, b) => a - b);
console.log(
  `the same day on a metered link, batchWaitMs ${WAIT_MS / 1000} s: ${waits.length} of ${meteredSampled} readings in ${meteredReceived.length} messages, the last ${meteredSampled - waits.length} still waiting at the day's end (payload median ${quantile(meteredSizes, 0.5)} bytes), billed ${meteredBilled} units against ${billed(telemetry)} sending each at once (${(billed(telemetry) / meteredBilled).toFixed(1)}× fewer)`,
);
console.log(
  `  a reading's wait from the end of its interval to the broker: median ${quantile(waits, 0.5).toFixed(1)} s, p99 ${quantile(waits, 0.99).toFixed(1)} s, max ${waits.at(-1)!.toFixed(1)} s; sending each at once: median ${quantile(liveWaits, 0.5).toFixed(1)} s, max ${liveWaits.at(-1)!.toFixed(1)} s`,
);
const { broker: outage, topic: outageTopic, sampled } = await day("aqm-cost-0002", offlineHours * 3_600_000);
const sent = outage.publishes.filter((p) => p.topic === outageTopic);
const readings = outage.readings(outageTopic).length;
const batches = sent.filter((p) => decoder.decode(p.payload.subarray(0, 10)) === '{"batch":[');
const batchSizes = batches.map((p) => p.payload.length).sort((a, b) => a - b);
const batchedReadings = batches.reduce((sum, p) => sum + (JSON.parse(decoder.decode(p.payload)) as { batch: unknown[] }).batch.length, 0);
console.log(
  `the same day with the broker unreachable for its first ${offlineHours} h: ${readings} of ${sampled} readings delivered (the rest dropped, counted, by the full flash store) in ${sent.length} messages, billed ${billed(sent)} units (one message per reading: ${readings} units, ${(readings / billed(sent)).toFixed(2)}× as many)`,
);
console.log(
  `  backlog: ${batchedReadings} readings in ${batches.length} batches, ${(batchedReadings / Math.max(1, batches.length)).toFixed(1)} readings a batch, batch payload median ${batchSizes[Math.floor(batchSizes.length / 2)] ?? 0} bytes, max ${batchSizes.at(-1) ?? 0}`,
);
