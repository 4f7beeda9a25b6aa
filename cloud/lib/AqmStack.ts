import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DeviceFleet } from './DeviceFleet.ts';
import { Operations } from './Operations.ts';
import { TelemetryIngest } from './TelemetryIngest.ts';

/** Environment-agnostic stack: device fleet, telemetry ingest, operations. */
export class AqmStack extends Stack {
  readonly fleet: DeviceFleet;
  readonly ingest: TelemetryIngest;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.fleet = new DeviceFleet(this, 'DeviceFleet');
    this.ingest = new TelemetryIngest(this, 'TelemetryIngest');
    this.operations = new Operations(this, 'Operations', { fleet: this.fleet, ingest: this.ingest });
  }
}
