/**
 * What the I2C drivers (SHT4x, ADS1115) need of ECMA-419's I2C IO (`embedded:io/i2c`): on the
 * board it is Moddable's class, in tests and the simulator a stand-in on the simulated bus.
 */

/** The options an ECMA-419 I2C class takes that a driver passes on. */
export interface I2cIoOptions {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
}

/** The part of an ECMA-419 I2C instance a driver uses. A NACK throws, as on Moddable. */
export interface I2cIo {
  write(data: Uint8Array): void;
  read(into: Uint8Array): unknown;
  /** ECMA-419 gives every IO instance close(); @moddable/typings 5.6 leaves it off I2C, so it is optional here. */
  close?(): void;
}

/** A driver's `sensor` option: the bus as the board gives it (class, pins, clock); the driver adds the chip's address. */
export interface I2cSensor {
  io: new (options: I2cIoOptions) => I2cIo;
  data: number;
  clock: number;
  hz: number;
  port?: number;
}
