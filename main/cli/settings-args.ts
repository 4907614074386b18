/**
 * `cli settings set key=value …` arguments → a settings patch. A value is read as JSON when it parses as JSON
 * (`32000`, `true`, `null`, `["format"]`, `[{"match":"haiku","model":"m"}]`), else as the plain string
 * (`reasoning_request=thinking`). The admin validates the patch itself; this only reads the shape.
 */
import type { SettingsPatch } from '../../shared/types';
import { CliError } from './connect';

/** Parses `key=value` arguments into a patch; exit code 2 on a malformed argument. */
export function settingsPatchFromArgs(args: readonly string[]): SettingsPatch {
  if (args.length === 0) throw new CliError('settings set needs at least one key=value (e.g. max_tokens_cap=32000)', 2);
  const patch: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new CliError(`expected key=value, got "${arg}"`, 2);
    patch[arg.slice(0, eq).trim()] = valueOf(arg.slice(eq + 1));
  }
  return patch as SettingsPatch;
}

function valueOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
