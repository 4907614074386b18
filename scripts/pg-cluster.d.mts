// Types of pg-cluster.mjs (a plain .mjs so the bench and CI scripts can run it with node alone).
export interface PgCluster {
  port: number;
  dir: string;
  /** postgres:// URL of database `db` (default `postgres`). */
  url(db?: string): string;
  /** Stops the server (the data stays): for outage tests. */
  pause(): void;
  /** Starts it again on the same port. */
  resume(): void;
  /** Stops the server and removes the cluster. */
  stop(): Promise<void>;
}
export function pgBinDir(env?: NodeJS.ProcessEnv): string | null;
export function startPgCluster(): Promise<PgCluster>;
