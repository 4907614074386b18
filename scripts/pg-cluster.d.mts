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
/** A cluster started with `{ tls: true }`. */
export interface TlsPgCluster extends PgCluster {
  /** The throwaway CA certificate (PEM) that signed the server's, for `sslrootcert`. */
  caFile: string;
}
export function pgBinDir(env?: NodeJS.ProcessEnv): string | null;
/** A throwaway CA in `dir`: its certificate `ca.pem` and key `ca.key`. */
export function makeTestCa(dir: string, name?: string): { certFile: string; keyFile: string };
export function startPgCluster(opts: { tls: true }): Promise<TlsPgCluster>;
export function startPgCluster(opts?: { tls?: boolean }): Promise<PgCluster>;
