/**
 * DATABASE_URL as node-postgres is given it, so that `sslmode` means what it means to libpq (psql, RDS and Cloud SQL
 * docs): `disable` no TLS; `require` encrypted, the server not verified (verified against `sslrootcert` when one is
 * given, like `verify-ca`); `verify-ca` the chain against `sslrootcert`; `verify-full` the chain and the host name.
 * pg-connection-string 2.x gives libpq's meaning only with `uselibpqcompat=true` (else `require`, `prefer` and
 * `verify-ca` verify like `verify-full` and print a SECURITY WARNING), so that parameter is added whenever the URL
 * has an `sslmode` and does not say itself. node-postgres cannot fall back from TLS to plain text or back, so
 * `prefer` and `allow` both mean encrypted and unverified (`allow` is sent as `prefer`: with compatibility on it
 * would otherwise verify like `verify-full`). node-postgres's own `sslmode=no-verify` is left as it is. A URL
 * without `sslmode` is unchanged (no TLS unless it says `ssl=true`). `sslrootcert`, `sslcert` and `sslkey` stay file
 * paths read by pg-connection-string on every connection.
 */

/** libpq's sslmode values. */
const LIBPQ_SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** `url` with `uselibpqcompat=true` added when it has an `sslmode` (see above); throws on an sslmode libpq rejects. */
export function libpqUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1).split('#')[0]);
  // pg-connection-string keeps the last of repeated parameters.
  const mode = params.getAll('sslmode').at(-1);
  if (mode === undefined || mode === 'no-verify' || params.has('uselibpqcompat')) return url;
  if (!LIBPQ_SSLMODES.includes(mode)) {
    throw new Error(`invalid sslmode "${mode}" (one of ${LIBPQ_SSLMODES.join(', ')})`);
  }
  const hash = url.indexOf('#', q);
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const query = mode === 'allow' ? base.replace(/([?&])sslmode=allow(?=&|$)/g, '$1sslmode=prefer') : base;
  return `${query}${query.endsWith('?') || query.endsWith('&') ? '' : '&'}uselibpqcompat=true${fragment}`;
}
