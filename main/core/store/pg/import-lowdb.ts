/**
 * `cli migrate-store --to postgres://…`: copies a lowdb store (users, keys, usage, the request log, settings,
 * the admin token) into PostgreSQL, idempotently: rows keep their ids and a row already there is left as it is,
 * so running it again copies nothing twice. Keys' revocations made in lowdb since an earlier run are carried over.
 * Meant for the switch to a team gateway, before instances serve traffic on the database.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, STORE_FILE } from '../lowdb-store';
import { parseStoreData, type StoreData } from '../store-data';
import { migrate } from './migrations';
import { createPool, inTransaction, type PoolClient } from './pool';
import { missingSecretKey, sealSettings, secretBoxFromHex, type SecretBox } from './secret-box';

/** How many rows of each kind were copied (0 for rows already there). */
export interface ImportCounts {
  users: number;
  keys: number;
  usage_rows: number;
  requests: number;
  settings: boolean;
  admin_token: boolean;
}

/** Reads `<dataDir>/infiniproxy.json` (and its admin token) and copies them into the database at `url`. */
export async function migrateLowdbToPg(dataDir: string, url: string, secretKeyHex?: string): Promise<ImportCounts> {
  const data = parseStoreData(await readFile(join(dataDir, STORE_FILE), 'utf8'));
  const token = await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8').then((t) => t.trim() || null, () => null);
  const box = secretKeyHex?.trim() ? secretBoxFromHex(secretKeyHex) : null;
  const pool = createPool(url, { max: 2 });
  try {
    await migrate(pool);
    return await inTransaction(pool, (c) => importData(c, data, token, box));
  } finally {
    await pool.end();
  }
}

async function importData(c: PoolClient, data: StoreData, token: string | null, box: SecretBox | null): Promise<ImportCounts> {
  const users = await c.query(
    `INSERT INTO ip_users (id, username, email, created_at)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id int, username text, email text, created_at timestamptz)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(data.users)],
  );
  const keys = await c.query(
    `INSERT INTO ip_keys (id, user_id, name, hash, key_prefix, created_at, last_used_at, revoked_at, limits)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id int, user_id int, name text, hash text, key_prefix text,
       created_at timestamptz, last_used_at timestamptz, revoked_at timestamptz, limits jsonb)
     ON CONFLICT (id) DO UPDATE SET revoked_at = coalesce(ip_keys.revoked_at, excluded.revoked_at)
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(data.keys)],
  );
  const buckets = [...data.usage.hourly, ...data.usage.daily].map((b) => ({
    key_id: b.k,
    model: b.m,
    endpoint: b.e,
    provider: b.p ?? '',
    bucket: new Date(b.t).toISOString(),
    requests: b.r,
    errors: b.x,
    input_tokens: b.i,
    output_tokens: b.o,
    cache_read_input_tokens: b.c,
  }));
  const usage = await c.query(
    `INSERT INTO ip_usage (key_id, model, endpoint, provider, bucket, requests, errors, input_tokens, output_tokens, cache_read_input_tokens)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(key_id int, model text, endpoint text, provider text, bucket timestamptz,
       requests bigint, errors bigint, input_tokens bigint, output_tokens bigint, cache_read_input_tokens bigint)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(buckets)],
  );
  const requests = await c.query(
    `INSERT INTO ip_requests (id, time, key_id, user_id, endpoint, model, backend_model, provider, attempts, session_id, status,
       latency_ms, stream, input_tokens, output_tokens, usage_estimated, error)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, time timestamptz, key_id int, user_id int, endpoint text, model text,
       backend_model text, provider text, attempts jsonb, session_id text, status int, latency_ms int, stream boolean,
       input_tokens bigint, output_tokens bigint, usage_estimated boolean, error text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(data.requests)],
  );
  // Serial columns continue after the copied ids.
  for (const [table, column] of [['ip_users', 'id'], ['ip_keys', 'id'], ['ip_requests', 'id']] as const) {
    await c.query(`SELECT setval(pg_get_serial_sequence('${table}', '${column}'), greatest((SELECT max(${column}) FROM ${table}), 1))`);
  }
  let settings = false;
  if (Object.keys(data.settings).length > 0) {
    const doc = sealSettings(data.settings, box);
    settings = ((await c.query("INSERT INTO ip_settings (id, doc) VALUES (1, $1) ON CONFLICT DO NOTHING", [JSON.stringify(doc)])).rowCount ?? 0) > 0;
  }
  let adminToken = false;
  if (token) {
    if (!box) throw missingSecretKey('admin token');
    adminToken = ((await c.query("INSERT INTO ip_meta (name, value) VALUES ('admin_token', $1) ON CONFLICT DO NOTHING", [box.seal(token)])).rowCount ?? 0) > 0;
  }
  await c.query("SELECT pg_notify('infiniproxy', 'keys'), pg_notify('infiniproxy', 'settings')");
  return {
    users: users.rowCount ?? 0,
    keys: keys.rows.filter((r: { inserted: boolean }) => r.inserted).length,
    usage_rows: usage.rowCount ?? 0,
    requests: requests.rowCount ?? 0,
    settings,
    admin_token: adminToken,
  };
}
