/**
 * The size of each of ota_0 and ota_1 in manifests/partitions.csv: the largest image an update may
 * write. The `esp32/ota` class has no way to ask for it, so the figure is built in, and
 * test/host-tools/field/flash/firmware-image.test.ts checks it against the table.
 */
export const OTA_APP_PARTITION_BYTES = 0x1e0000;
