/**
 * The proxy's log: one line per event on stderr (stdout stays free for the CLI's output). Never given secrets:
 * callers log key ids, not keys. `debug` lines appear only when the DEBUG setting is on.
 */

/** Structured fields of a line (LOG_FORMAT=json writes them beside the message; text lines carry the message only). */
export type LogFields = Record<string, string | number | boolean | null>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string): void;
  error(message: string): void;
  /** Written only when debug is on; the message is built lazily so a disabled debug log costs nothing. */
  debug(message: () => string): void;
  readonly debugEnabled: boolean;
}

export interface LoggerOptions {
  /** Show debug lines (the DEBUG setting); may be a function so a settings change applies at once. */
  debug?: boolean | (() => boolean);
  /** Where lines go (default: process.stderr). */
  write?: (line: string) => void;
  /** A clock for timestamps (tests). */
  now?: () => Date;
  /** Masks secrets in every line (the runtime passes its configured backend keys: shared/redact.ts). */
  redact?: (text: string) => string;
  /** `json`: one JSON object a line (`time`, `level`, `msg` and the line's fields), for log collectors. */
  format?: 'text' | 'json';
}

/** Creates a logger writing `<ISO time> <level> <message>` lines. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const now = opts.now ?? (() => new Date());
  const debugOn = typeof opts.debug === 'function' ? opts.debug : () => opts.debug === true;
  const redact = opts.redact ?? ((text: string) => text);
  const line =
    opts.format === 'json'
      ? (level: string, message: string, fields?: LogFields): void =>
          write(JSON.stringify({ time: now().toISOString(), level: level.trim(), msg: redact(message), ...fields }) + '\n')
      : (level: string, message: string): void => write(`${now().toISOString()} ${level} ${redact(message)}\n`);
  return {
    info: (m, fields) => line('info ', m, fields),
    warn: (m) => line('warn ', m),
    error: (m) => line('error', m),
    debug: (m) => {
      if (debugOn()) line('debug', m());
    },
    get debugEnabled() {
      return debugOn();
    },
  };
}
