import { fileURLToPath } from "node:url";

/**
 * Where the host finds its implementation of each device module specifier the firmware imports.
 * Both the firmware bundler (for the `vm` and XS runs) and the Node test loader read this one map,
 * so a test and a bundle always get the same implementation.
 */
const portable = (file: string): string => fileURLToPath(new URL(`./portable/${file}`, import.meta.url));

export const hostImplementations: Readonly<Record<string, string>> = {
  "embedded:provider/builtin": portable("provider.ts"),
  "embedded:io/i2c": portable("I2C.ts"),
  "embedded:io/serial": portable("Serial.ts"),
  "embedded:io/digital": portable("Digital.ts"),
  "embedded:network/mqtt/client": portable("MqttClient.ts"),
  "embedded:io/socket/tcp": portable("tcp.ts"),
  "embedded:io/socket/tcp/tls": portable("tls.ts"),
  "embedded:io/socket/udp": portable("udp.ts"),
  "embedded:network/dns/resolver/udp": portable("resolver.ts"),
  timer: portable("timer.ts"),
  preference: portable("preference.ts"),
  flash: portable("flash.ts"),
  "mc/config": portable("config.ts"),
  wifi: portable("wifi.ts"),
  sntp: portable("sntp.ts"),
  time: portable("time.ts"),
  "esp32/ota": portable("ota.ts"),
};
