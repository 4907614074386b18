/**
 * How the CLI reaches the store: directly when no process holds the data dir, or through the running server's
 * admin API when one does (so the CLI never forks or corrupts a store a server is writing). A process that holds
 * the data dir without serving (the desktop app with its proxy stopped) makes the CLI refuse with a clear message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdminApi } from '../../shared/admin-api';
import { createHttpAdminClient } from '../../shared/admin-http-client';
import { validatedAdmin } from '../../shared/admin-input';
import type { ProcessConfig } from '../core/config';
import { ProxyRuntime } from '../app/runtime';
import { readLockHolder } from '../core/store/data-dir-lock';
import { ADMIN_TOKEN_FILE } from '../core/store/lowdb-store';

export interface Connection {
  admin: AdminApi;
  /** `direct` (store opened here) or the URL of the running server used. */
  via: string;
  close(): Promise<void>;
}

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The running server's address, as it wrote it on start (`server.json`). */
function runningServerUrl(dataDir: string): string | null {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url?: unknown };
    return typeof info.url === 'string' ? info.url : null;
  } catch {
    return null;
  }
}

/** The admin token a CLI should use: ADMIN_TOKEN (environment, then `.env`), else the data dir's token file. */
export function adminTokenFor(config: Pick<ProcessConfig, 'dataDir' | 'adminToken'>): string | null {
  if (config.adminToken) return config.adminToken;
  try {
    return readFileSync(join(config.dataDir, ADMIN_TOKEN_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Reaches the store of `config.dataDir` (resolved by loadProcessConfig, as `serve` resolves it). */
export async function connect(config: ProcessConfig, env: NodeJS.ProcessEnv): Promise<Connection> {
  const { dataDir } = config;
  const holder = readLockHolder(dataDir);
  if (!holder) {
    const runtime = await ProxyRuntime.open({ dataDir, env });
    return { admin: validatedAdmin(runtime.admin), via: 'direct', close: () => runtime.close() };
  }
  const url = runningServerUrl(dataDir);
  const token = adminTokenFor(config);
  if (!url || !token) {
    throw new CliError(
      `The data dir ${dataDir} is held by process ${holder.pid} (${holder.command}), which is not serving right now. ` +
        'Start its proxy (or stop that process) and run the command again.',
    );
  }
  const admin = createHttpAdminClient({ baseUrl: url, token });
  return { admin, via: url, close: async () => {} };
}
