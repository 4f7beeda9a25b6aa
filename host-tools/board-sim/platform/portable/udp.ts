/**
 * `embedded:io/socket/udp`: the firmware hands it to the DNS resolver, which on the host never
 * opens it (resolver.ts), because the host resolves the broker's name in its MQTT connection.
 */
export default class UDP {
  constructor() {
    throw new Error("embedded:io/socket/udp is not simulated on the host: the host resolves names in its MQTT connection");
  }
}
