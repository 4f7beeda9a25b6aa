import type { WifiSettings } from "../provision/BoardProvisioner.ts";

/**
 * A board a hardware-in-the-loop scenario runs against: a real one on a serial port, or a
 * simulated one on a pseudo-terminal. Scenarios see the same things on both (the serial port,
 * the MQTT traffic at the local IoT Core); what only a simulator can do (take the network away,
 * unplug a sensor, swap the certificate) is a capability, and a scenario that needs one is
 * skipped, with the reason, on a board without it. So is provisioning from scratch on a board
 * whose access point the harness was not told (`wifi-credentials`): a factory reset erases it.
 */
export type DutCapability = "network-control" | "sensor-control" | "identity-control" | "wifi-credentials";

/**
 * Which certificate the board boots with: its own, one from a CA the IoT Core does not trust, or
 * whatever its preferences hold (what its console was given, or nothing after a factory reset),
 * which is all a real board ever boots with.
 */
export type DutIdentity = "valid" | "untrusted" | "stored";

export interface DeviceUnderTest {
  readonly description: string;
  readonly thing: string;
  /** The serial port the harness reads the board's log from and speaks to its console on. */
  readonly serialPort: string;
  readonly capabilities: ReadonlySet<DutCapability>;
  /** The access point the board joins, when the harness knows it (`wifi-credentials`). */
  readonly wifi: WifiSettings | undefined;
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
