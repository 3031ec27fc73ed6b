/**
 * What the master counts for its metrics, as plain numbers: prom-client (some 11 MB with its dependencies) is
 * loaded on the first scrape, and the metrics then read these (ClusterMetrics), so no event before it is lost.
 */
export class MasterCounts {
  /** Workers that died and were replaced, by how they ended. */
  readonly restarts = { exit: 0, signal: 0 };
  /** SIGHUP reloads by result. */
  readonly reloads = { success: 0, failure: 0 };
  /** Workers serving now. */
  workers = 0;
}
