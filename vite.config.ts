/**
 * Builds the renderer (renderer/ → dist/renderer). `base: './'` makes every asset URL relative, so the
 * same build works over HTTP at `/admin/` and from `file://` in Electron.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

const rootDir = fileURLToPath(new URL('.', import.meta.url));

/** The dev server injects inline scripts (React Refresh) that the page's CSP forbids: drop the meta there only. */
function devWithoutCsp(): Plugin {
  return {
    name: 'infiniproxy:dev-without-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, ''),
  };
}

export default defineConfig({
  root: `${rootDir}renderer`,
  base: './',
  plugins: [react(), devWithoutCsp()],
  build: {
    outDir: `${rootDir}dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    // `npm run serve` on 8000: the dev UI calls the real admin API through this proxy.
    proxy: { '/admin/': 'http://127.0.0.1:8000' },
  },
});
