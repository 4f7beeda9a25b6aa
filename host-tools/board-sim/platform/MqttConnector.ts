import type { MqttOpenOptions, MqttWriteOptions } from "./portable/HostPort.ts";

/** What a host-side MQTT connection reports back to the simulated board. */
export interface MqttConnectionEvents {
  onControl(operation: number, id: number, payload?: Uint8Array): void;
  onMessage(topic: string, QoS: number, payload: Uint8Array): void;
  onError(code: string, message: string): void;
  onClose(): void;
}

export interface MqttConnection {
  write(data: Uint8Array, options: MqttWriteOptions): void;
  close(): void;
}

/** Opens the board's MQTT connection on the host: over real TLS, or to an in-process broker in tests. */
export type MqttConnector = (options: MqttOpenOptions, events: MqttConnectionEvents) => MqttConnection;
