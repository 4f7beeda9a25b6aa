/*
 * The topics a board publishes and subscribes on, all named after its thing. The cloud's half of
 * each is data shared with AWS (the telemetry rule's FROM filter in cloud/iot/telemetry-rule.json,
 * the device policy's resources in cloud/iot/device-policy.json), which cannot import this, so
 * test/firmware/session/mqtt-topics.test.ts checks those files against these builders.
 */

/** Where a board publishes its readings; `telemetryTopic("+")` is the filter for every board's. */
export function telemetryTopic(thing: string): string {
  return `dt/aqm/${thing}/telemetry`;
}

/** The root of the thing's classic Device Shadow topics (`/get`, `/update/delta`, …), as AWS IoT names them. */
export function shadowTopicPrefix(thing: string): string {
  return `$aws/things/${thing}/shadow`;
}
