/**
 * Versioned schema migrations, applied at start under a PostgreSQL advisory lock so that instances starting together
 * migrate once (the others wait, then find nothing to do). An instance refuses a schema newer than it knows.
 */
import { withClient, type Pool } from './pool';
import { SCHEMA_V1 } from './schema-v1';

/** Every version this build knows, in order; a version is never edited once released. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [{ version: 1, name: 'initial', sql: SCHEMA_V1 }];

/** The schema version this build writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The lock every migrating instance takes (an arbitrary constant of ours). */
const MIGRATION_LOCK = 815_000;

/** Thrown at start against a database migrated by a newer InfiniProxy. */
export class SchemaTooNewError extends Error {
  constructor(found: number) {
    super(
      `The database's InfiniProxy schema is version ${found}, newer than this InfiniProxy knows (${SCHEMA_VERSION}). ` +
        'Another instance was upgraded: upgrade this one too (an older version must not write a newer schema).',
    );
    this.name = 'SchemaTooNewError';
  }
}

const CREATE_LEDGER =
  'CREATE TABLE IF NOT EXISTS ip_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())';

/** The schema version the database holds (0 when none). */
export async function schemaVersion(pool: Pool): Promise<number> {
  const r = await pool.query<{ v: number | null }>(
    "SELECT CASE WHEN to_regclass('ip_schema_migrations') IS NULL THEN 0 ELSE (SELECT max(version) FROM ip_schema_migrations) END AS v",
  );
  return r.rows[0]?.v ?? 0;
}

/** Applies the missing migrations; returns the versions applied by this call (empty when another did them). */
export async function migrate(pool: Pool): Promise<number[]> {
  return withClient(pool, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(CREATE_LEDGER);
      const found = (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ip_schema_migrations')).rows[0]?.v ?? 0;
      if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found);
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (m.version <= found) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO ip_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`schema migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
}
