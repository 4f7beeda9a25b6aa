/**
 * What AWS IoT Core's message broker allows one device connection, as its quotas page ("AWS IoT
 * Core endpoints and quotas", message broker and protocol limits) states it: the figures the board
 * must keep to. Their one home; the local IoT Core enforces the same figures
 * (host-tools/local-cloud/iot-core/IotCoreLimits.ts re-exports them).
 */

/** "The payload for every publish request can be no larger than 128 KB"; a larger PUBLISH or CONNECT is refused. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** Subscriptions (topic filters) in one SUBSCRIBE request; a ninth ends the connection. */
export const MAX_FILTERS_PER_SUBSCRIBE = 8;

/** Subscriptions one connection may hold; AWS may refuse one beyond them, which the client learns from its SUBACK. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/** Inbound publish requests per second on one connection; AWS discards the ones above it. */
export const MAX_PUBLISHES_PER_SECOND = 100;

/** CONNECT requests per second for one client ID; the board's reconnect backoff never goes below a second. */
export const MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID = 1;
