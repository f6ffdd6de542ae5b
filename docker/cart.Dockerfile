# The cart service's image. Build context: the repository root (see .dockerignore).
#   docker build -f docker/cart.Dockerfile -t ghcr.io/myshop/cart .
# The three services' Dockerfiles differ only in the service's name (a test keeps them so); the
# steps before `ARG SERVICE` are the same in all three, so their builds share those layers.
# The base image, named once and literally: Dependabot updates a FROM line, not an ARG's value.
FROM node:24-bookworm-slim AS base

# Only the npm manifests: the dependency layers below are rebuilt when a package.json or the
# lock file changes, not on every source edit.
FROM base AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete && find . -type d -empty -delete

# Every dependency, dev tools included (TypeScript, Nx). No install scripts: nothing here needs
# one (Node itself comes with the base image).
FROM base AS toolchain
WORKDIR /src
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund

# Production dependencies only: no dev tools, and no embedded PostgreSQL binaries (optional,
# for local runs without DATABASE_URL). Then only the packages this service reaches.
FROM base AS production-deps
WORKDIR /src
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
COPY docker/runtime-files.mjs docker/
ARG SERVICE=cart
RUN node docker/runtime-files.mjs deps ${SERVICE} /out

# Compile the service and the libraries it depends on (Nx orders them), then keep only what
# runs: each package's package.json and its `files` (dist, migrations).
FROM toolchain AS build
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
COPY . .
ARG SERVICE=cart
# Nx's cache and its record of it (.nx) are shared by the three builds: a library compiled for
# one image is reused by the next.
RUN --mount=type=cache,target=/src/.nx,sharing=locked npx nx build ${SERVICE} --output-style=static \
 && node docker/runtime-files.mjs workspace ${SERVICE} /out

# tini, the init that `docker run --init` adds: as PID 1 it passes SIGTERM on to node. Node as
# PID 1 never gets a signal it has no handler for yet (the kernel spares init), so a pod stopped
# while it starts would wait for terminationGracePeriodSeconds and be killed.
FROM base AS init
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tini && rm -rf /var/lib/apt/lists/*

# `skaffold dev` builds this stage (`--target dev`): the service from its TypeScript sources,
# which Node runs directly (type stripping), and `node --watch` restarts it when Skaffold copies a
# saved file in (sync rules in skaffold.yaml): no image build per save. Production dependencies
# only, as in the image below, which stays the last stage and the default target.
FROM production-deps AS dev
# Configured as the production image is (the overlays' config and secrets): only the code differs.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-old-space-size-percentage=50 HOST=0.0.0.0 METRICS_HOST=0.0.0.0
COPY --chown=10001:10001 . .
# Skaffold's sync replaces files with tar, running as uid 10001: the folders must be its own too.
# The pods keep a read-only root filesystem, so on a cluster apps/ and libs/ are writable volumes
# (k8s/components/inner-loop) that start empty: /seed holds what the command copies into them.
RUN find apps libs -name node_modules -prune -o -type d -exec chown 10001:10001 {} + \
 && mkdir /seed && cp -a apps libs /seed/
USER 10001:10001
EXPOSE 5000 9464
# -n: a container restarted in the same pod keeps the files synced into its volumes. No -a: the
# volumes' own folders belong to root, so their times and modes cannot be copied onto them.
CMD ["sh", "-c", "cp -Rn /seed/apps/. apps/ && cp -Rn /seed/libs/. libs/ && exec node --watch --conditions=@myshop/source --import=@myshop/telemetry/preload apps/cart/src/server.ts"]

FROM base
# The base image's package managers (npm, npx, corepack, yarn) and Node's C headers serve builds,
# never the service: without them nothing in a pod can fetch and run a package, and the image
# scan judges only what runs (npm's own bundled packages would fail it for code never loaded).
# The first step, so the three images share the layer.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include/node
ENV NODE_ENV=production
# A container listens on all interfaces (the service's own default is loopback), the API and /metrics alike.
ENV HOST=0.0.0.0 METRICS_HOST=0.0.0.0
# glibc gives threads that allocate at once arenas of their own, up to 8 per core, and keeps what
# they grew: the thread pool (WebCrypto, argon2, zlib) held tens of MB of them under load. Two
# arenas serve one event loop and its pool without a measurable cost in throughput.
ENV MALLOC_ARENA_MAX=2
# Tracing starts before the app is imported (@myshop/telemetry), configured by the OTEL_* variables
# alone: without an OTLP endpoint it loads nothing. An env var, so `node apps/<service>/dist/migrate.js` gets it too.
# V8's heap limit from the container's memory limit (cgroup), not the host's: left alone, V8 puts
# it at 259 MB in a 256 MiB pod, so it never collects harder before the kernel kills the pod. Half
# the limit (128 MiB of 256) is twice the live heap under load; the other half holds node's own
# pages (about 55 MB), native buffers (argon2's 19 MiB per hash) and malloc's arenas.
ENV NODE_OPTIONS="--import=@myshop/telemetry/preload --max-old-space-size-percentage=50"
WORKDIR /app
COPY --from=production-deps /out ./
COPY --from=build /out ./
COPY --from=init /usr/bin/tini /usr/bin/tini
# Numeric, so that Kubernetes can prove runAsNonRoot; the files stay root's, read-only to it.
USER 10001:10001
# The API, then Prometheus metrics (METRICS_PORT), which no Service or Ingress exposes.
EXPOSE 5000 9464
# Exec form, no shell at run time: tini runs node and passes it every signal.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/cart/dist/server.js"]
