# syntax=docker/dockerfile:1
# One build for the whole workspace, one small image per app:
#   docker build --target api      -t kelisim/api .       (REST, PORT 8080)
#   docker build --target realtime -t kelisim/realtime .  (socket.io, REALTIME_PORT 6001)
#   docker build --target worker   -t kelisim/worker .    (BullMQ, WORKER_PORT 6002)
#   docker build --target migrate  -t kelisim/migrate .   (applies migrations, then exits)
#   docker build --target web      -t kelisim/web .       (nginx with the built web client)
# `sources` installs from the lockfile; the builder generates the Prisma client, bundles each app
# with esbuild (`pnpm build`) and `pnpm deploy`s it with production dependencies only
# (scripts/deploy.mjs); web-build builds the web client (vite) beside it. scripts/build-check.sh
# runs the same steps without Docker in CI.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NGINX_IMAGE=nginx:1.28-alpine

FROM ${NODE_IMAGE} AS pnpm
ARG PNPM_VERSION=10.34.9
ENV CI=true \
    TURBO_TELEMETRY_DISABLED=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1
# pnpm from the npm registry, not corepack (package.json's packageManager names this version).
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" \
    && pnpm config set --global store-dir /pnpm/store

FROM pnpm AS sources
WORKDIR /repo
# Every package of the lockfile into the store, from the lockfile alone: this layer is reused
# until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=kelisim-pnpm-store,target=/pnpm/store \
    pnpm fetch
COPY . .
RUN --mount=type=cache,id=kelisim-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline

# The web client (apps/web, vite): static files for nginx, built in parallel with the nodes.
FROM sources AS web-build
RUN pnpm --filter @kelisim/web build && test -f apps/web/dist/index.html

FROM sources AS builder
RUN node scripts/prisma.mjs generate
RUN pnpm exec turbo run build --filter='!@kelisim/web'
RUN --mount=type=cache,id=kelisim-pnpm-store,target=/pnpm/store \
    for target in api realtime worker migrate; do \
      node scripts/deploy.mjs "$target" "/out/$target" --offline || exit 1; \
    done

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# Files stay root-owned and read-only to the service; only local upload storage (unused with
# FILESYSTEM_DISK=s3) is writable.
RUN mkdir -p /var/lib/kelisim/chat-files && chown node:node /var/lib/kelisim/chat-files
USER node

FROM runtime AS migrate
COPY --from=builder /out/migrate /app
WORKDIR /app/packages/db
HEALTHCHECK NONE
CMD ["node", "--enable-source-maps", "dist/migrate.js"]

FROM runtime AS worker
COPY --from=builder /out/worker /app
WORKDIR /app/apps/worker
ENV WORKER_PORT=6002 \
    STORAGE_PATH=/var/lib/kelisim/chat-files
EXPOSE 6002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WORKER_PORT || 6002) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run ... kelisim/worker node dist/jobs.js failed` lists failed jobs.
CMD ["node", "--enable-source-maps", "dist/main.js"]

FROM runtime AS realtime
COPY --from=builder /out/realtime /app
WORKDIR /app/apps/realtime
ENV REALTIME_PORT=6001
EXPOSE 6001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.REALTIME_PORT || 6001) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]

FROM runtime AS api
COPY --from=builder /out/api /app
WORKDIR /app/apps/api
ENV PORT=8080 \
    STORAGE_PATH=/var/lib/kelisim/chat-files
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]

# nginx with the web client's files (/srv/web); docker-compose.yml mounts the configuration
# (nginx/nginx.conf, nginx/templates) and sets KELISIM_WEB_ROOT=/srv/web.
FROM ${NGINX_IMAGE} AS web
COPY --from=web-build /repo/apps/web/dist /srv/web
COPY nginx/html /srv/placeholder
