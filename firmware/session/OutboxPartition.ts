/**
 * The flash partition (manifests/partitions.csv) that keeps unsent readings across restarts. The
 * board opens it by this name; the simulated board finds its size in the table by the same name.
 */
export const OUTBOX_PARTITION = "aqmlog";
