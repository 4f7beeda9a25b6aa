import Digital from "./Digital.ts";
import I2C from "./I2C.ts";
import Serial from "./Serial.ts";

function unsimulated(name: string): new (...args: unknown[]) => never {
  return class {
    constructor() {
      throw new Error(`${name} is not simulated on the host; only I2C, Serial and Digital of the provider's IO are`);
    }
  } as unknown as new (...args: unknown[]) => never;
}

/**
 * `embedded:provider/builtin` for a simulated ESP32, shaped as the SDK's generic ESP32 provider
 * (modules/io/host/esp32/provider.js): `io` and `pin` only. It has no `I2C.default`,
 * `Serial.default` nor `network`, so firmware that leans on one fails here as on the board.
 */
const device = {
  io: {
    Analog: unsimulated("Analog"),
    Digital,
    DigitalBank: unsimulated("DigitalBank"),
    I2C,
    PulseCount: unsimulated("PulseCount"),
    PWM: unsimulated("PWM"),
    Serial,
    SMBus: unsimulated("SMBus"),
    SPI: unsimulated("SPI"),
  },
  pin: {} as Record<string, number>,
};

export default device;
