/**
 * DATABASE_URL as node-postgres gets it: `uselibpqcompat=true` is added when the URL has an sslmode (and only
 * then), an explicit one is left alone, nothing else changes; what node-postgres then makes of each sslmode is
 * libpq's meaning; a URL that cannot work (unreadable sslrootcert, unknown sslmode) fails with a message that names
 * the problem and hides the password.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { after, test } from 'node:test';
import pg from 'pg';
import { libpqUrl } from '../../../../main/core/store/pg/connection-url';
import { pgConnectionString } from '../../../../main/core/store/pg/pool';

const BASE = 'postgres://app:s3cret-pw@db.example:5432/infiniproxy';

const dir = mkdtempSync(join(tmpdir(), 'infiniproxy-connection-url-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, 'not parsed here: pg-connection-string only reads the file\n');
after(() => rmSync(dir, { recursive: true, force: true }));

/** The TLS options a node-postgres client would use for `url` (false: no TLS). */
function tlsOf(url: string): ConnectionOptions | false {
  return new pg.Client({ connectionString: pgConnectionString(url) }).ssl as unknown as ConnectionOptions | false;
}

test('a URL without sslmode is unchanged', () => {
  for (const url of [BASE, `${BASE}?application_name=x`, `${BASE}?ssl=true`, '/var/run/postgresql infiniproxy', 'postgres:///infiniproxy']) {
    assert.equal(libpqUrl(url), url);
  }
});

test('sslmode gets uselibpqcompat=true; the password and the other parameters are kept', () => {
  assert.equal(libpqUrl(`${BASE}?sslmode=require`), `${BASE}?sslmode=require&uselibpqcompat=true`);
  assert.equal(
    libpqUrl(`${BASE}?connect_timeout=5&sslmode=verify-full&sslrootcert=/etc/ca%20dir/ca.pem`),
    `${BASE}?connect_timeout=5&sslmode=verify-full&sslrootcert=/etc/ca%20dir/ca.pem&uselibpqcompat=true`,
  );
  for (const mode of ['disable', 'prefer', 'verify-ca']) {
    assert.equal(libpqUrl(`${BASE}?sslmode=${mode}`), `${BASE}?sslmode=${mode}&uselibpqcompat=true`);
  }
  assert.equal(libpqUrl(`${BASE}?sslmode=require&`), `${BASE}?sslmode=require&uselibpqcompat=true`, 'no empty parameter');
  assert.equal(libpqUrl(`${BASE}?sslmode=allow`), `${BASE}?sslmode=prefer&uselibpqcompat=true`, 'allow: encrypted, unverified');
});

test('an explicit uselibpqcompat and node-postgres\'s own sslmode=no-verify are left alone', () => {
  for (const url of [`${BASE}?sslmode=require&uselibpqcompat=false`, `${BASE}?uselibpqcompat=true&sslmode=require`, `${BASE}?sslmode=no-verify`]) {
    assert.equal(libpqUrl(url), url);
  }
});

test('what node-postgres makes of each sslmode is libpq\'s meaning', () => {
  assert.equal(tlsOf(BASE), false, 'no sslmode: no TLS');
  assert.equal(tlsOf(`${BASE}?sslmode=disable`), false);
  for (const mode of ['allow', 'prefer', 'require']) {
    const tls = tlsOf(`${BASE}?sslmode=${mode}`);
    assert.ok(tls, `${mode}: TLS`);
    assert.equal(tls.rejectUnauthorized, false, `${mode}: the server is not verified`);
  }
  for (const mode of ['require', 'verify-ca']) {
    const tls = tlsOf(`${BASE}?sslmode=${mode}&sslrootcert=${caFile}`);
    assert.ok(tls && tls.rejectUnauthorized !== false, `${mode} with sslrootcert: the chain is verified`);
    assert.match(String(tls.ca), /only reads the file/);
    assert.equal(tls.checkServerIdentity?.('db.example', {} as never), undefined, `${mode}: the host name is not checked`);
  }
  const full = tlsOf(`${BASE}?sslmode=verify-full&sslrootcert=${caFile}`);
  assert.ok(full && full.rejectUnauthorized !== false && full.checkServerIdentity === undefined, 'verify-full: chain and host name');
  assert.match(String(full.ca), /only reads the file/);
});

test('a URL that cannot work fails saying why, without its password', () => {
  const check = (url: string, why: RegExp) =>
    assert.throws(
      () => pgConnectionString(url),
      (err: Error) => {
        assert.match(err.message, /^DATABASE_URL postgres:\/\/app(:\*\*\*)?@db\.example:5432\/infiniproxy\?.* cannot be used: /);
        assert.match(err.message, why);
        assert.ok(!err.message.includes('s3cret-pw'), err.message);
        return true;
      },
    );
  check(`${BASE}?sslmode=verify-full&sslrootcert=${join(dir, 'missing.pem')}`, /ENOENT.*missing\.pem/);
  check(`${BASE}?sslmode=requir`, /invalid sslmode "requir"/);
  check(`${BASE}?sslmode=verify-ca`, /verify-ca requires specifying a CA with sslrootcert/);
  check(`postgres://app@db.example:5432/infiniproxy?password=s3cret-pw&sslmode=verify-full&sslcert=${join(dir, 'nope.crt')}`, /ENOENT/);
});
