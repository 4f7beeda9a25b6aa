import { test } from "node:test";
import assert from "node:assert/strict";
import { CURATED_PREFIXES } from "../../cloud/lib/CuratedLake.ts";
import { assertTlsOnlyBucket, logicalId, synthFixtureStack } from "./stackFixture.ts";

const { stack, template, resources } = synthFixtureStack();
const bucketId = logicalId(stack, stack.curated.bucket);
const bucket = resources[bucketId]!.Properties;

test("curated bucket: SSE-S3, public access blocked, access logs to the shared log bucket", () => {
  assert.equal(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, "AES256");
  assert.deepEqual(bucket.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  assert.deepEqual(bucket.LoggingConfiguration, {
    DestinationBucketName: { Ref: logicalId(stack, stack.ingest.accessLogBucket) },
    LogFilePrefix: "curated-bucket/",
  });
  assert.equal(resources[bucketId]!.DeletionPolicy, "Retain");
});

test("curated bucket: TLS-only bucket policy", () => {
  assertTlsOnlyBucket(template, bucketId);
});

test("curated bucket: lifecycle per prefix (curated to IA at 90 d, quarantine 90 d, scratch prefixes 30 d, stale uploads 7 d)", () => {
  const rules = Object.fromEntries((bucket.LifecycleConfiguration.Rules as any[]).map((r) => [r.Id, r]));
  assert.deepEqual(Object.keys(rules), [
    "curated-tiering",
    "forecasts-tiering",
    "anomaly-scores-tiering",
    "quarantine-expiry",
    "athena-results-expiry",
    "glue-temp-expiry",
    "ml-output-expiry",
    "abort-incomplete-uploads",
  ]);
  assert.equal(rules["curated-tiering"].Prefix, CURATED_PREFIXES.telemetry);
  assert.deepEqual(rules["curated-tiering"].Transitions, [{ StorageClass: "STANDARD_IA", TransitionInDays: 90 }]);
  // Forecasts and anomaly scores are tiered like the readings, never expired (they used to live only in ml/output/, gone after 30 days).
  for (const [id, prefix] of [
    ["forecasts-tiering", "curated/forecasts/"],
    ["anomaly-scores-tiering", "curated/anomaly-scores/"],
  ]) {
    assert.deepEqual(
      [rules[id!].Prefix, rules[id!].Transitions, rules[id!].ExpirationInDays],
      [prefix, [{ StorageClass: "STANDARD_IA", TransitionInDays: 90 }], undefined],
      id,
    );
  }
  assert.deepEqual([rules["quarantine-expiry"].Prefix, rules["quarantine-expiry"].ExpirationInDays], ["quarantine/", 90]);
  for (const [id, prefix] of [
    ["athena-results-expiry", "athena-results/"],
    ["glue-temp-expiry", "glue-temp/"],
    ["ml-output-expiry", "ml/output/"],
  ]) {
    assert.deepEqual([rules[id!].Prefix, rules[id!].ExpirationInDays], [prefix, 30], id);
  }
  assert.equal(rules["abort-incomplete-uploads"].AbortIncompleteMultipartUpload.DaysAfterInitiation, 7);
  // Model artefacts and training input are kept: they are the record of what each board's thresholds came from.
  assert.ok(!Object.values(rules).some((r: any) => r.Prefix?.startsWith("ml/models") || r.Prefix?.startsWith("ml/input")));
});
