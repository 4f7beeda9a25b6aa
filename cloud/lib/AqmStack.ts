import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { AnalyticsPipeline } from "./AnalyticsPipeline.ts";
import { AthenaWorkgroup } from "./AthenaWorkgroup.ts";
import { CuratedLake } from "./CuratedLake.ts";
import { DeviceFleet } from "./DeviceFleet.ts";
import { IotEndpoint } from "./IotEndpoint.ts";
import { AirQualityAlerts } from "./AirQualityAlerts.ts";
import { FleetWatch } from "./FleetWatch.ts";
import { ForecastApi } from "./ForecastApi.ts";
import { ModelDataPrep } from "./ModelDataPrep.ts";
import { ModelResults } from "./ModelResults.ts";
import { NewDataCheck } from "./NewDataCheck.ts";
import { OperatorDashboard } from "./OperatorDashboard.ts";
import { ModelTraining } from "./ModelTraining.ts";
import { loadNamedQueries, NAMED_QUERIES_FILE } from "./namedQueries.ts";
import { Operations } from "./Operations.ts";
import { TelemetryCatalog } from "./TelemetryCatalog.ts";
import { TelemetryEtl } from "./TelemetryEtl.ts";
import { TelemetryIngest } from "./TelemetryIngest.ts";
import { ThresholdCalibration } from "./ThresholdCalibration.ts";
import { TRANSFORM_SQL_FILE } from "./transformFiles.ts";

export interface AqmStackProps extends StackProps {
  /** SQL of the raw → curated transformation. @default TRANSFORM_SQL_FILE */
  readonly transformSqlFile?: string;
  /** The operators' named queries. @default NAMED_QUERIES_FILE */
  readonly namedQueriesFile?: string;
}

/** Environment-agnostic stack: device fleet, telemetry ingest, lake, analytics pipeline, Athena, operations. */
export class AqmStack extends Stack {
  readonly fleet: DeviceFleet;
  readonly ingest: TelemetryIngest;
  readonly iotEndpoint: IotEndpoint;
  readonly curated: CuratedLake;
  readonly catalog: TelemetryCatalog;
  readonly etl: TelemetryEtl;
  readonly prep: ModelDataPrep;
  readonly training: ModelTraining;
  readonly calibration: ThresholdCalibration;
  readonly newDataCheck: NewDataCheck;
  readonly results: ModelResults;
  readonly forecastApi: ForecastApi;
  readonly alerts: AirQualityAlerts;
  readonly fleetWatch: FleetWatch;
  readonly dashboard: OperatorDashboard;
  readonly pipeline: AnalyticsPipeline;
  readonly athena: AthenaWorkgroup;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: AqmStackProps = {}) {
    super(scope, id, props);
    this.fleet = new DeviceFleet(this, "DeviceFleet");
    this.ingest = new TelemetryIngest(this, "TelemetryIngest");
    this.iotEndpoint = new IotEndpoint(this, "IotEndpointLookup");
    this.curated = new CuratedLake(this, "CuratedLake", { accessLogBucket: this.ingest.accessLogBucket });
    const curatedBucket = this.curated.bucket;
    this.catalog = new TelemetryCatalog(this, "Catalog", { rawBucket: this.ingest.rawBucket });
    this.etl = new TelemetryEtl(this, "Etl", {
      catalog: this.catalog,
      rawBucket: this.ingest.rawBucket,
      curatedBucket,
      transformSqlFile: props.transformSqlFile ?? TRANSFORM_SQL_FILE,
    });
    this.prep = new ModelDataPrep(this, "Prep", { catalog: this.catalog, curatedBucket });
    this.training = new ModelTraining(this, "Training", { curatedBucket });
    this.calibration = new ThresholdCalibration(this, "Calibration", { curatedBucket, iotDataEndpoint: this.iotEndpoint.address });
    // The training window the preparation job runs with, read from its own arguments.
    const windowDays = Number((this.prep.job.defaultArguments as Record<string, string>)["--training_days"]);
    this.newDataCheck = new NewDataCheck(this, "NewDataCheck", { curatedBucket, windowDays });
    this.results = new ModelResults(this, "Results", { catalog: this.catalog, curatedBucket });
    this.forecastApi = new ForecastApi(this, "ForecastApi", { curatedBucket });
    this.alerts = new AirQualityAlerts(this, "Alerts");
    this.pipeline = new AnalyticsPipeline(this, "Pipeline", {
      catalog: this.catalog,
      etl: this.etl,
      prep: this.prep,
      training: this.training,
      newDataCheck: this.newDataCheck,
      results: this.results,
      calibration: this.calibration,
      curatedBucketName: curatedBucket.bucketName,
    });
    this.athena = new AthenaWorkgroup(this, "Athena", {
      resultBucket: curatedBucket,
      databaseName: this.catalog.databaseName,
      namedQueries: loadNamedQueries(props.namedQueriesFile ?? NAMED_QUERIES_FILE),
    });
    this.fleetWatch = new FleetWatch(this, "FleetWatch", {
      telemetryRule: this.ingest.rule,
      rawBucket: this.ingest.rawBucket,
      curatedBucket,
      topic: this.pipeline.topic,
    });
    this.dashboard = new OperatorDashboard(this, "Dashboard", {
      ingest: this.ingest,
      pipeline: this.pipeline,
      fleetWatch: this.fleetWatch,
      alerts: this.alerts,
    });
    this.operations = new Operations(this, "Operations", {
      fleet: this.fleet,
      ingest: this.ingest,
      pipeline: this.pipeline,
      curated: this.curated,
      catalog: this.catalog,
      athena: this.athena,
      iotEndpoint: this.iotEndpoint,
    });
  }
}
