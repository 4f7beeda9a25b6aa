/**
 * A board a hardware-in-the-loop scenario runs against: a real one on a serial port, or a
 * simulated one on a pseudo-terminal. Scenarios see the same things on both (the serial port,
 * the MQTT traffic at the local IoT Core); what only a simulator can do (take the network away,
 * unplug a sensor, swap the certificate) is a capability, and a scenario that needs one is
 * skipped, with the reason, on a board without it.
 */
export type DutCapability = "network-control" | "sensor-control" | "identity-control";

/** Which certificate the board boots with: its own, or one from a CA the IoT Core does not trust. */
export type DutIdentity = "valid" | "untrusted";

export interface DeviceUnderTest {
  readonly description: string;
  readonly thing: string;
  /** The serial port the harness reads the board's log from. */
  readonly serialPort: string;
  readonly capabilities: ReadonlySet<DutCapability>;
  /** Powers the board on (or resets it). */
  powerOn(identity?: DutIdentity): Promise<void>;
  powerOff(): Promise<void>;
  dropNetwork(): void;
  restoreNetwork(): void;
  /** Takes the SHT4x off the I2C bus, or puts it back. */
  unplugClimateSensor(): void;
  plugClimateSensor(): void;
  close(): Promise<void>;
}

export class CapabilityMissing extends Error {}
