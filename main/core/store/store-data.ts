/**
 * The shape of the store file (`<dataDir>/infiniproxy.json`) and its check on read: parsed JSON is never trusted
 * as the type until it passes the schema.
 */
import { z } from 'zod';

const limitsSchema = z.object({
  requests_per_minute: z.number().nullable(),
  concurrent_streams: z.number().nullable(),
  tokens_per_day: z.number().nullable(),
  tokens_per_month: z.number().nullable(),
});

const userSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string().nullable(),
  created_at: z.string(),
});

const keySchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  name: z.string(),
  /** SHA-256 of the secret, hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  key_prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  limits: limitsSchema,
});

/** Usage of one key × model × endpoint in one hour (or day, once rolled up). Short names keep a year small. */
const bucketSchema = z.object({
  k: z.number().int(), // key id
  m: z.string(), // model the client asked for
  e: z.string(), // endpoint
  t: z.number(), // bucket start, epoch ms
  r: z.number(), // requests
  x: z.number(), // errors (status >= 400)
  i: z.number(), // input tokens
  o: z.number(), // output tokens
  c: z.number(), // cache-read input tokens
  p: z.string().optional(), // provider that answered (absent: none, or recorded before providers)
});

const requestSchema = z.object({
  id: z.number().int(),
  time: z.string(),
  key_id: z.number().nullable(),
  user_id: z.number().nullable(),
  endpoint: z.string(),
  model: z.string().nullable(),
  backend_model: z.string().nullable(),
  // Entries written before providers have neither: read as no provider, no attempts.
  provider: z.string().nullable().default(null),
  attempts: z
    .array(z.object({ provider: z.string(), model: z.string(), status: z.number(), error: z.string() }))
    .default([]),
  status: z.number(),
  latency_ms: z.number(),
  stream: z.boolean(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  usage_estimated: z.boolean(),
  error: z.string().nullable(),
  // Entries written before sessions were recorded have none.
  session_id: z.string().nullable().default(null),
});

export const storeDataSchema = z.object({
  version: z.literal(1),
  seq: z.object({ user: z.number().int(), key: z.number().int(), request: z.number().int() }),
  users: z.array(userSchema),
  keys: z.array(keySchema),
  usage: z.object({ hourly: z.array(bucketSchema), daily: z.array(bucketSchema) }),
  requests: z.array(requestSchema),
  settings: z.record(z.string(), z.unknown()),
});

export type StoreData = z.infer<typeof storeDataSchema>;
export type UserRecord = z.infer<typeof userSchema>;
export type KeyRecord = z.infer<typeof keySchema>;
export type UsageBucket = z.infer<typeof bucketSchema>;

export const emptyStoreData = (): StoreData => ({
  version: 1,
  seq: { user: 0, key: 0, request: 0 },
  users: [],
  keys: [],
  usage: { hourly: [], daily: [] },
  requests: [],
  settings: {},
});

/** Parses and checks the file's text; throws an Error whose message says what is wrong. */
export function parseStoreData(text: string): StoreData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  const parsed = storeDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`unexpected content at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
