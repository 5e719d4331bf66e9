# syntax=docker/dockerfile:1
# One image for any smsgw app:
#   docker build --build-arg APP=ingest -t smsgw/ingest .
# APP is a folder of apps/ (ingest, encoder, router, smpp-connector, dlr-processor, smsc-simulator, email-intake, smpp-server).
# The `tools` stage (`--target tools`) holds the sources and every dependency: docker-compose uses
# it for the one-shot migration job (`node tools/infra/cli.mjs up`) and it serves for the CLI.
# The final stage is distroless (no shell, no package manager), runs as uid 65532, and holds only
# the app's compiled code, production node_modules, proto/ and config/ (the apps read both
# relative to their working directory).

ARG NODE_IMAGE=node:24.21.0-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# Every dependency (dev included): compilers for the build, swc for the migration runner.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts && npm cache clean --force

# Sources on top of the dependencies.
FROM deps AS tools
COPY tsconfig.base.json ./
COPY proto proto
COPY config config
COPY libs libs
COPY apps apps
COPY tools tools

# Compiles one app (tsc + tsc-alias, and Vite for the console's page, as its Nx build target does)
# and lays it out for the runtime:
# /out/main.js starts dist/apps/<app>/src/main.js, so the image needs no shell to pick the app.
FROM tools AS build
ARG APP
RUN if [ -z "$APP" ] || [ ! -f "apps/$APP/tsconfig.app.json" ]; then \
      echo "build with --build-arg APP=<app>, one of: $(cd apps && ls -d */ | tr -d / | tr '\n' ' ')" >&2; exit 1; \
    fi \
 && npx tsc -p "apps/$APP/tsconfig.app.json" \
 && npx tsc-alias -p "apps/$APP/tsconfig.app.json" \
 && if [ -f "apps/$APP/vite.config.mts" ]; then npx vite build -c "apps/$APP/vite.config.mts"; fi \
 && test -f "dist/apps/$APP/apps/$APP/src/main.js" \
 && mkdir -p /out \
 && mv "dist/apps/$APP" /out/dist \
 && printf "// smsgw %s\nrequire('./dist/apps/%s/src/main.js');\n" "$APP" "$APP" > /out/main.js

# Production dependencies only (no install scripts: none of them needs one at run time).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM ${RUNTIME_IMAGE} AS app
ARG APP
LABEL org.opencontainers.image.title="smsgw-${APP}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /src/node_modules node_modules
COPY proto proto
COPY config config
COPY --from=build /out/ ./
USER 65532:65532
# HTTP /metrics + /healthz (8081-8086, 8088 by app), the HTTP API 8080 (ingest), gRPC 50051
# (ingest), SMPP 2775 (simulator), the web console 8089, the SMPP server 2776 (+ 8090).
EXPOSE 8080 8081 8082 8083 8084 8085 8086 8088 8089 8090 50051 2775 2776
ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps"]
CMD ["main.js"]
