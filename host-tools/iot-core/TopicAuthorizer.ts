/**
 * Which topics a connected thing may use. This is the fixed subset of the project's IoT policy
 * that the walking skeleton needs; it will be replaced by an evaluator of the same policy
 * document the cloud stack deploys.
 */
export class TopicAuthorizer {
  /** Telemetry under dt/aqm/<thing>/…, and the thing's own shadow. */
  mayPublish(thing: string, topic: string): boolean {
    return topic.startsWith(`dt/aqm/${thing}/`) || topic.startsWith(`$aws/things/${thing}/shadow/`);
  }

  /**
   * Commands under cmd/aqm/<thing>/…, and the thing's own shadow. The prefix is literal, so a
   * wildcard can only narrow within the thing's own topics, never reach another thing's.
   */
  maySubscribe(thing: string, filter: string): boolean {
    return filter.startsWith(`cmd/aqm/${thing}/`) || filter.startsWith(`$aws/things/${thing}/shadow/`);
  }
}
