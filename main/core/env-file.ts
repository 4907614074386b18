/**
 * Reads the `.env` file of a working directory (the I/O half of config.ts's parseDotenv and resolveProcessConfig).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDotenv, resolveProcessConfig } from './config';
import type { ProcessConfig } from './config';

/** The variables of `<cwd>/.env`, or an empty object when there is no such file (or it cannot be read). */
export function readDotenvFile(cwd: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return {};
  }
  return parseDotenv(text);
}

/**
 * The process configuration every command uses (serve, each CLI command, the desktop app): `--data-dir`, then the
 * environment, then `<cwd>/.env`, then the default data dir (`fallbackDataDir` for the desktop app).
 */
export function loadProcessConfig(opts: {
  dataDirFlag?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  fallbackDataDir?: string;
}): ProcessConfig & { dotenv: Record<string, string> } {
  const env = opts.env ?? process.env;
  const dotenv = readDotenvFile(opts.cwd ?? process.cwd());
  const config = resolveProcessConfig({ dataDirFlag: opts.dataDirFlag, env, dotenv, platform: process.platform, fallbackDataDir: opts.fallbackDataDir });
  return { ...config, dataDir: resolve(config.dataDir), dotenv };
}
