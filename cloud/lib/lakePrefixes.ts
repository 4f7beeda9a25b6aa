/**
 * The raw bucket's S3 prefixes as the delivery stream is given them, in Firehose's expression
 * language. Kept apart from the constructs (no CDK import) so the local twin's Firehose and rule
 * error file use the very same strings without loading the CDK.
 */

/** Telemetry by UTC hour of arrival, as Hive-style partitions the Glue crawler reads as columns. */
export const RAW_PREFIX = "raw/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";

/** Records Firehose (or the topic rule's error action) could not deliver, by error type and day. */
export const ERROR_PREFIX = "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
