/**
 * AWS IoT's rule for thing names. The name is the board's MQTT client id and a level of each of
 * its topics, and the host keeps files named after it, which the rule also keeps safe.
 */
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/** The rule in words, for messages that refuse a name. */
export const THING_NAME_RULE = "1 to 128 letters, digits, ':', '_' or '-'";

/** Refuses what AWS IoT would not take as a thing name, before it becomes a certificate subject, a topic level or a file name. */
export function checkThingName(thing: string): void {
  if (!THING_NAME.test(thing)) throw new Error(`invalid thing name "${thing}": use ${THING_NAME_RULE}`);
}
