# InfiniProxy headless gateway (`serve`), for a team: run several of these on one PostgreSQL (docker-compose.yml).
#   docker build -t infiniproxy .
#   docker run -e DATABASE_URL=postgres://… -e INFINIPROXY_SECRET_KEY=… -e ADMIN_TOKEN=… -p 8000:8000 infiniproxy
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No Electron download: the gateway does not need the desktop shell.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
RUN npm ci --no-audit --no-fund
COPY . .
# The web admin and the server bundle (plain node at run time, no TypeScript loader), then dev dependencies out.
RUN npx vite build && node scripts/build-server.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PROXY_HOST=0.0.0.0 PROXY_PORT=8000 INFINIPROXY_DATA_DIR=/data LOG_FORMAT=json
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
# Liveness is /health; a load balancer should route by /ready (database reachable, schema current).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PROXY_PORT||8000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-old-space-size=1024", "dist/server/cli.mjs", "serve"]
