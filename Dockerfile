# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled output only.
FROM node:22-bookworm-slim AS runtime
# The example config listens on ${CUTOVER_LISTEN:-127.0.0.1:8080}: loopback would be unreachable
# through the published port, so the data plane listens on every interface of the container.
ENV NODE_ENV=production CUTOVER_LISTEN=0.0.0.0:8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
# The state file lives in a volume so a rollout survives a container restart.
RUN mkdir -p /app/.cutover && chown -R node:node /app/.cutover
USER node
VOLUME ["/app/.cutover"]
# 8080: data plane; 9901: admin (metrics, API, dashboard). Set admin.listen to 0.0.0.0:9901
# in your config (with admin.token) to reach it from outside the container.
EXPOSE 8080 9901
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9901/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start", "-c", "config/cutover.yaml"]
