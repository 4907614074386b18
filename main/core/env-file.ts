/**
 * Reads the `.env` file of a working directory (the I/O half of config.ts's parseDotenv).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv } from './config';

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
