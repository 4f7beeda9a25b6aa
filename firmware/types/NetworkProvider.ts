import type MQTTClient from "embedded:network/mqtt/client";

/**
 * `device.network` of the ECMA-419 host provider. Moddable's ESP32 provider has it, but
 * @moddable/typings' `embedded:provider/builtin` does not declare it, so it is declared here.
 */
export interface NetworkProvider {
  readonly mqtts: {
    readonly io: typeof MQTTClient;
    readonly dns: Record<string, unknown>;
    readonly socket: Record<string, unknown>;
  };
}
