/**
 * How a refusal is worded, for every limiter: `Key 'laptop' is over its limit of 60 requests per minute; retry in 12 s`.
 */
import type { Admission, LimitName } from './limiter';
import { formatWait, retryAfterSeconds } from './utc-periods';

/** What the limit says, e.g. `60 requests per minute`, `1 concurrent stream`, `50000 tokens per day`. */
export function limitWhat(limit: LimitName, value: number): string {
  switch (limit) {
    case 'requests_per_minute':
      return `${value} request${value === 1 ? '' : 's'} per minute`;
    case 'concurrent_streams':
      return `${value} concurrent stream${value === 1 ? '' : 's'}`;
    case 'tokens_per_day':
      return `${value} tokens per day`;
    case 'tokens_per_month':
      return `${value} tokens per month`;
  }
}

/** How a key stands against the limit that refused it. */
export type RefusalVerb = 'is over its limit of' | 'has used its budget of' | 'has reserved the rest of its budget of';

/** The refusal of a request of key `name` by `limit`, with the wait for `retry-after`. */
export function refusal(name: string, limit: LimitName, what: string, verb: RefusalVerb, waitMs: number): Admission {
  const seconds = retryAfterSeconds(waitMs);
  return { ok: false, limit, reason: `Key '${name}' ${verb} ${what}; retry in ${formatWait(seconds)}`, retryAfterSeconds: seconds };
}
