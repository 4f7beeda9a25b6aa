import { test } from "node:test";
import assert from "node:assert/strict";
import { logicalId, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const raw = resources[logicalId(stack, stack.ingest.rawBucket)]!.Properties;

test("Firehose writes the raw objects GZIP-compressed (the Glue job reads .gz as text)", () => {
  const streams = Object.values(resources).filter((r) => r.Type === "AWS::KinesisFirehose::DeliveryStream");
  assert.equal(streams.length, 1);
  assert.equal(streams[0]!.Properties.ExtendedS3DestinationConfiguration.CompressionFormat, "GZIP");
});

test("the raw bucket is versioned, and an old version expires after 30 days", () => {
  assert.deepEqual(raw.VersioningConfiguration, { Status: "Enabled" });
  const rule = raw.LifecycleConfiguration.Rules.find((r: { Id?: string }) => r.Id === "old-versions");
  assert.deepEqual(rule, {
    Id: "old-versions",
    NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    Status: "Enabled",
  });
});

test("the access log bucket takes S3's log delivery by bucket policy, not by the legacy ACL", () => {
  const logs = resources[logicalId(stack, stack.ingest.accessLogBucket)]!.Properties;
  assert.equal(logs.AccessControl, undefined);
  assert.deepEqual(logs.OwnershipControls, { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
});
