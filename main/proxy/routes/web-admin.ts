/**
 * Serves the built renderer (dist/renderer) as the web admin at `/admin`.
 * Only `/admin`, `/admin/`, `/admin/assets/*` and top-level files of the build with a known extension are
 * served here; every other `/admin/...` path is the admin API's (`/admin/users` has no extension, so it
 * never matches). Client-side routes are hash routes (`/admin/#/users`), so they never collide.
 * Mount it before the admin API's token check: the page itself is public, the API it calls is not.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context, Middleware } from 'koa';

const MOUNT = '/admin';

/** The policy of the page (the same as the meta tag in renderer/index.html, plus what only a header can say). */
export const WEB_ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Returns the middleware serving the web admin from `distDir` (normally `<repo>/dist/renderer`). */
export function webAdmin(distDir: string): Middleware {
  const root = resolve(distDir);
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !ctx.path.startsWith(MOUNT)) return next();
    if (ctx.path === MOUNT) {
      // Relative, so that it also works behind a reverse proxy that adds a path prefix.
      ctx.status = 301;
      ctx.redirect(`admin/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
      return;
    }
    const target = resolveTarget(ctx.path);
    if (target === undefined) return next();
    if (target.kind === 'index') return serveIndex(ctx, root);
    const file = safeJoin(root, target.relative);
    const found = file === undefined ? undefined : await fileStat(file);
    if (file === undefined || found === undefined) {
      if (target.kind === 'file') return next();
      setSecurityHeaders(ctx);
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not found';
      return;
    }
    await sendFile(ctx, file, found, target.kind === 'asset' ? IMMUTABLE : REVALIDATE);
  };
}

/** What the web admin serves for a path. */
export type Target = { kind: 'index' } | { kind: 'asset'; relative: string } | { kind: 'file'; relative: string };

/** What a path under `/admin/` asks for, or undefined when it is not the web admin's (the admin API's). */
export function resolveTarget(path: string): Target | undefined {
  if (!path.startsWith(`${MOUNT}/`)) return undefined;
  let rest: string;
  try {
    rest = decodeURIComponent(path.slice(MOUNT.length + 1));
  } catch {
    return undefined;
  }
  if (rest === '' || rest === 'index.html') return { kind: 'index' };
  if (rest.includes('\0') || rest.includes('\\')) return undefined;
  const segments = rest.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return undefined;
  const extension = extname(rest).toLowerCase();
  if (segments[0] === 'assets' && segments.length > 1) {
    return CONTENT_TYPES[extension] ? { kind: 'asset', relative: rest } : undefined;
  }
  if (segments.length === 1 && CONTENT_TYPES[extension]) return { kind: 'file', relative: rest };
  return undefined;
}

function safeJoin(root: string, relative: string): string | undefined {
  const file = resolve(join(root, relative));
  return file.startsWith(root + sep) ? file : undefined;
}

async function fileStat(file: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

async function serveIndex(ctx: Context, root: string): Promise<void> {
  const file = join(root, 'index.html');
  const found = await fileStat(file);
  if (found) return sendFile(ctx, file, found, REVALIDATE);
  setSecurityHeaders(ctx);
  ctx.status = 503;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = notBuiltPage(root);
}

async function sendFile(ctx: Context, file: string, info: { size: number; mtimeMs: number }, cacheControl: string): Promise<void> {
  setSecurityHeaders(ctx);
  ctx.set('Cache-Control', cacheControl);
  ctx.set('ETag', `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`);
  ctx.type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  try {
    ctx.body = await readFile(file);
  } catch {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = 'Not found';
  }
}

function setSecurityHeaders(ctx: Context): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Content-Security-Policy', WEB_ADMIN_CSP);
  ctx.set('Referrer-Policy', 'no-referrer');
}

function notBuiltPage(root: string): string {
  const where = root.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>InfiniProxy admin is not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#8882;padding:.1em .3em;border-radius:4px}</style>
</head><body>
<h1>The web admin is not built yet</h1>
<p>InfiniProxy is running, but the admin pages were not found in <code>${where}</code>.</p>
<p>Build them with <code>npm run build:renderer</code>, then reload this page.</p>
<p>The admin API under <code>/admin/…</code> works without them.</p>
</body></html>
`;
}
