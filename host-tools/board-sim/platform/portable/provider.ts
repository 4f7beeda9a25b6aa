import Digital from "./Digital.ts";
import I2C from "./I2C.ts";
import MQTTClient from "./MqttClient.ts";
import Serial from "./Serial.ts";

function unsimulated(name: string): new (...args: unknown[]) => never {
  return class {
    constructor() {
      throw new Error(`${name} is not simulated on the host; only I2C, Serial, Digital and MQTT are`);
    }
  } as unknown as new (...args: unknown[]) => never;
}

/**
 * `embedded:provider/builtin` for a simulated ESP32: the ECMA-419 IO classes backed by the host's
 * buses, with the ESP32 defaults (I2C on GPIO 21/22, console UART 0) that Moddable's ESP32 host provider uses.
 */
const device = {
  io: {
    Digital,
    DigitalBank: unsimulated("DigitalBank"),
    Analog: unsimulated("Analog"),
    PWM: unsimulated("PWM"),
    PulseCount: unsimulated("PulseCount"),
    I2C,
    SMBus: unsimulated("SMBus"),
    SPI: unsimulated("SPI"),
    Serial,
  },
  I2C: { default: { io: I2C, port: 0, data: 21, clock: 22, hz: 100_000 } },
  Serial: { default: { io: Serial, port: 0, receive: 3, transmit: 1, baud: 115_200 } },
  Digital: { default: { io: Digital } },
  pin: {} as Record<string, number>,
  network: {
    mqtts: { io: MQTTClient, dns: {}, socket: {} },
  },
};

export default device;
