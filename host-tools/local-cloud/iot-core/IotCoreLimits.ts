/**
 * AWS IoT Core's message broker limits, as its quotas page ("AWS IoT Core endpoints and quotas",
 * message broker and protocol limits) and its MQTT page ("AWS IoT differences from MQTT
 * specifications") state them. The one home of these figures, apart from those a device keeps to
 * itself (firmware/session/BrokerQuotas.ts, re-exported here): the local core enforces them all and
 * docs/local-iot-core.md lists them with the test proving each.
 */

export {
  MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID,
  MAX_FILTERS_PER_SUBSCRIBE,
  MAX_MESSAGE_BYTES,
  MAX_PUBLISHES_PER_SECOND,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
} from "../../../firmware/session/BrokerQuotas.ts";

/** "The topic passed to the message broker when publishing a message can be no larger than 256 bytes of UTF-8 encoded characters." */
export const MAX_TOPIC_BYTES = 256;

/** "The topic in a publish or subscribe request can have no more than 7 forward slashes (/)", apart from the Basic Ingest prefix's three. */
export const MAX_TOPIC_SLASHES = 7;
const BASIC_INGEST_PREFIX = /^\$aws\/rules\/[^/]+\//i;

/** Keep-alive: a client asking for less than 30 s (but not 0) is held to 30 s; 0 or more than 1200 s gets 1200 s. */
export const MIN_KEEP_ALIVE_S = 30;
export const MAX_KEEP_ALIVE_S = 1200;

/** The keep-alive AWS IoT Core applies to a client that asked for `requested` seconds. */
export function effectiveKeepAlive(requested: number): number {
  if (requested === 0 || requested > MAX_KEEP_ALIVE_S) return MAX_KEEP_ALIVE_S;
  return Math.max(requested, MIN_KEEP_ALIVE_S);
}

/**
 * Reserved topics a device may subscribe to but never publish to: the Device Shadow service
 * alone publishes them (AWS's reserved-topics table marks each "Subscribe" only).
 */
const SUBSCRIBE_ONLY =
  /^\$aws\/things\/[^/]+\/shadow\/(name\/[^/]+\/)?(update\/(accepted|rejected|delta|documents)|get\/(accepted|rejected)|delete\/(accepted|rejected))$/;

/** Why a client may not publish to `topic` under AWS's topic rules, or undefined when it may. */
export function topicRefusal(topic: string, what: "topic" | "topic filter"): string | undefined {
  const bytes = Buffer.byteLength(topic, "utf8");
  if (bytes > MAX_TOPIC_BYTES) return `${what} of ${bytes} bytes is longer than AWS IoT Core's ${MAX_TOPIC_BYTES}-byte limit`;
  const slashes = topic.replace(BASIC_INGEST_PREFIX, "").split("/").length - 1;
  if (slashes > MAX_TOPIC_SLASHES) return `${what} "${topic}" has ${slashes} slashes; AWS IoT Core allows at most ${MAX_TOPIC_SLASHES}`;
  return undefined;
}

/** Why a client may not publish to this reserved topic, or undefined. */
export function reservedTopicRefusal(topic: string): string | undefined {
  return SUBSCRIBE_ONLY.test(topic) ? `"${topic}" is a reserved topic only the Device Shadow service publishes to (subscribe-only for devices)` : undefined;
}
