import { performance } from 'node:perf_hooks';
import { registerDashboard } from './admin/dashboard.js';
import type { EventStream } from './admin/events.js';
import { registerRolloutApi } from './admin/rollout-api.js';
import { AdminServer, type Readiness } from './admin/server.js';
import { routesReadiness, routeView } from './admin/views.js';
import type { AppOptions, AppRole } from './app-options.js';
import { ConfigWatcher, loadConfigFile, type CutoverConfig } from './config/index.js';
import { createLogger, type Logger } from './log.js';
import { splitHostPort } from './net.js';
import { routeGaugeSources } from './metrics/gauge-sources.js';
import { CutoverMetrics } from './metrics/registry.js';
import type { ProxyContext } from './proxy/context.js';
import { ProxyServer } from './proxy/server.js';
import { CertificateStore } from './proxy/certificate-store.js';
import { applyStaticWeights, coalesced, loadForReload, warnRestartOnly, type ReloadResult } from './reload.js';
import { RolloutController } from './rollout/controller.js';
import { FleetReplica } from './fleet/replica.js';
import { registerFleetApi, registerFleetMetrics } from './fleet/view.js';
import { adoptFleetStickySecret } from './fleet/sticky-secret.js';
import { WebSocketTunnels } from './proxy/websocket.js';
import { AddressList } from './routing/address-list.js';
import { buildRouteTable } from './routing/build.js';
import type { Route, RouteTable } from './routing/route-table.js';
import { RouteStates } from './routing/route-state.js';
import { HealthChecker } from './upstream/health-check.js';
import { PoolRegistry } from './upstream/pool-registry.js';
import { WarmKeeper } from './upstream/warm-keeper.js';

export type { AppOptions, AppRole } from './app-options.js';
export type { ReloadResult } from './reload.js';

/** Called after each config generation is live, e.g. by the rollout controller. */
export type ConfigListener = (config: CutoverConfig, table: RouteTable, previous: CutoverConfig | null) => void;

/**
 * The composition root: config → pools → route table → proxy and admin.
 * It owns the lifecycle (start, reload by swap, drain) and nothing else.
 */
export class CutoverApp {
  readonly metrics: CutoverMetrics;
  readonly states = new RouteStates();
  readonly pools = new PoolRegistry();
  readonly healthChecker: HealthChecker;
  readonly warmKeeper: WarmKeeper;
  readonly tunnels: WebSocketTunnels;
  readonly log: Logger;
  readonly proxy: ProxyServer;
  readonly admin: AdminServer;
  readonly ctx: ProxyContext;
  readonly role: AppRole;
  /** The rollout controller; null in a worker process (the primary runs it). */
  rollouts: RolloutController | null = null;
  /** With `fleet`: this replica's membership (store, lease, windows); null otherwise. */
  fleet: FleetReplica | null = null;
  private rolloutEvents: EventStream | null = null;
  dataAddress = { host: '', port: 0 };
  adminAddress = { host: '', port: 0 };
  private readonly listeners: ConfigListener[] = [];
  private generation = 1;
  private watcher: ConfigWatcher | null = null;
  private readonly reloadOnce = coalesced((reason) => this.doReload(reason));
  private listening = false;
  private trusted: AddressList;

  /** The data plane's TLS certificates (`tls`), watched for renewals; null for a cleartext listener. */
  readonly certificates: CertificateStore | null;

  private constructor(private readonly options: AppOptions, public config: CutoverConfig, certificates: CertificateStore | null) {
    this.certificates = certificates;
    this.log = options.logger ?? createLogger({ level: config.log.level });
    if (options.logLevelFromConfig) this.log.level = config.log.level;
    this.role = options.role ?? 'single';
    this.metrics = new CutoverMetrics({ defaultMetrics: options.defaultMetrics });
    this.trusted = new AddressList(config.trustedProxies);
    this.tunnels = new WebSocketTunnels((err, route) => this.log.warn({ route, err: err.message }, 'websocket tunnel failed'));
    this.ctx = {
      now: () => performance.now(),
      random: options.random ?? Math.random,
      limits: config.limits,
      draining: false,
      isTrustedProxy: (address) => this.trusted.check(address),
      countRetry: (route, reason) => this.metrics.retries.inc({ route: route.name, reason }),
      requestDone: this.requestDone(config),
    };
    const { table } = buildRouteTable(config, this, this.generation);
    this.healthChecker = new HealthChecker((c) => this.log.warn({ origin: c.origin, status: c.result.status, error: c.result.error }, c.healthy ? 'endpoint healthy again' : 'endpoint failed its health checks'));
    this.warmKeeper = new WarmKeeper(() => this.pools.all());
    this.proxy = new ProxyServer(this.ctx, table, this.tunnels, { http2: config.http2, certificates });
    this.admin = new AdminServer({
      readiness: () => this.readiness(),
      metrics: options.metricsText ?? (async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() })),
      routes: () => this.proxy.routeTable.routes.map((r) => this.routeJson(r)),
      route: (name) => {
        const r = this.proxy.routeTable.byName(name);
        return r ? this.routeJson(r) : undefined;
      },
      token: () => this.config.admin.token,
    }, this.log);
    registerDashboard(this.admin.router, { routes: () => this.admin.backend.routes(), tokenRequired: () => this.admin.backend.token() !== undefined });
    this.metrics.setGaugeSources({
      ...routeGaugeSources(this.states, () => this.proxy.routeTable.routes, () => this.ctx.now()),
      certificates: () => (this.certificates?.all ?? []).map((c) => ({ name: c.label, expiresAtSeconds: Math.floor(c.notAfterMs / 1000) })),
    });
  }

  static async start(options: AppOptions): Promise<CutoverApp> {
    const loaded = await loadConfigFile(options.configFile, options.env);
    // Before the route table compiles its cookies; a worker was handed the key by its primary.
    const stickyWarning = options.role === 'worker' ? null : await adoptFleetStickySecret(loaded.config);
    // A worker needs the certificates to serve; the cluster primary does not listen on the data plane.
    const certificates = loaded.config.tls && options.role !== 'primary' ? await CertificateStore.load(loaded.config.tls, {
      problem: (err) => app.log.error({ file: err.file, err: err.message }, 'TLS certificate refused; the previous one keeps serving'),
      renewed: (cert) => app.log.info({ cert: cert.certFile, names: cert.names, notAfter: new Date(cert.notAfterMs).toISOString() }, 'TLS certificate renewed; new connections get it'),
      defaultChanged: (cert) => app.proxy.setDefaultCertificate(cert.options),
    }) : null;
    const app: CutoverApp = new CutoverApp(options, loaded.config, certificates);
    certificates?.watch();
    if (stickyWarning) app.log.warn(stickyWarning);
    for (const w of loaded.warnings) app.log.warn({ file: options.configFile }, w);
    const data = splitHostPort(loaded.config.listen);
    const admin = splitHostPort(loaded.config.admin.listen);
    // Connections first, so even a canary at weight > 0 never pays for a cold pool.
    app.healthChecker.sync(app.pools.all());
    app.warmKeeper.start();
    await app.warmKeeper.warmNow(app.pools.all());
    void app.healthChecker.checkAll();
    // Before the data plane listens: after a restart the first request already sees the restored weight.
    if (app.role !== 'worker') await app.startRollouts();
    if (app.role !== 'primary') app.dataAddress = await app.proxy.listen(data.port, data.host);
    if (app.role !== 'worker') app.adminAddress = await app.admin.listen(admin.port, admin.host);
    app.listening = app.role !== 'primary';
    if (options.watch !== false) {
      app.watcher = new ConfigWatcher(options.configFile, () => void app.reload('file changed'));
      app.watcher.start();
    }
    app.log.info({ listen: app.dataAddress, admin: app.adminAddress, routes: loaded.config.routes.map((r) => r.name) }, 'cutover started');
    return app;
  }

  private async startRollouts(): Promise<void> {
    const fc = this.config.fleet;
    const fleet = fc ? await FleetReplica.start({ fleet: fc, config: this.config, log: this.log, states: this.states }) : null;
    const controller = await RolloutController.create({
      states: this.states, closeTunnels: (route, version) => this.tunnels.closeVersion(route, version), log: this.log,
      stateFile: this.config.stateFile, registry: this.metrics.registry, store: fleet ?? undefined, windows: fleet ?? undefined,
    });
    if (fleet && fc) {
      this.fleet = fleet;
      registerFleetApi(this.admin.router, fleet, fc.name, fc.leaseTtl);
      registerFleetMetrics(this.metrics.registry, fleet, fc.leaseTtl);
      this.readinessNotes.push(() => fleet.notes());
    }
    this.rolloutEvents = registerRolloutApi({ router: this.admin.router, controller, views: this.admin.backend });
    this.onConfig((config) => controller.onConfig(config));
    if (fleet) this.onConfig((config, _table, previous) => { if (previous) fleet.onConfig(config); });
    await controller.ready();
    controller.start();
    this.rollouts = controller;
  }

  /** A route's admin JSON: the data-plane view plus, from the controller, rollout, history and live numbers. */
  routeJson(route: Route): object {
    const view = routeView(route, this.ctx.now());
    const fields = this.rollouts?.fields(route.name);
    return fields ? { ...view, ...fields } : view;
  }

  /** The cluster primary's data plane listens in its workers; the primary learns it from them. */
  dataPlaneListening(address: { host: string; port: number }): void {
    this.dataAddress = address;
    this.listening = true;
  }

  /** Registers a listener and calls it at once with the live config. */
  onConfig(listener: ConfigListener): void {
    this.listeners.push(listener);
    listener(this.config, this.proxy.routeTable, null);
  }

  /**
   * Loads the file again; on success builds a new table and swaps one reference.
   * On failure nothing changes: the last good config keeps serving.
   * Overlapping calls coalesce into one more reload after the current one.
   */
  reload(reason: string): Promise<ReloadResult> {
    return this.reloadOnce(reason);
  }

  private async doReload(reason: string): Promise<ReloadResult> {
    const file = this.options.configFile;
    const loaded = await loadForReload(file, this.options.env, reason, this.log, this.metrics);
    if (!loaded.ok) return loaded;
    const next = loaded.config;
    const previous = this.config;
    warnRestartOnly(this.log, file, previous, next);
    this.generation++;
    const { table, retired, created } = buildRouteTable(next, this, this.generation);
    this.healthChecker.sync(this.pools.all());
    this.warmKeeper.start();
    // Envoy's cluster warming: a new endpoint gets its connections before the table that uses it goes live.
    if (created.length > 0) await this.warmKeeper.warmNow(created);
    // A new endpoint's health is unknown until its first check: run it now, not an interval from now.
    for (const pool of created) void this.healthChecker.check(pool);
    // With a controller, it applies config weights itself (src/rollout); a worker gets them from the primary.
    if (!this.rollouts) applyStaticWeights(this.states, previous, next);
    this.config = next;
    if (this.options.logLevelFromConfig) this.log.level = next.log.level;
    this.ctx.requestDone = this.requestDone(next);
    this.trusted = new AddressList(next.trustedProxies);
    if (this.certificates && next.tls && JSON.stringify(next.tls) !== JSON.stringify(previous.tls)) await this.certificates.refresh(next.tls.certificates);
    this.proxy.setTable(table);
    for (const listener of this.listeners) listener(next, table, previous);
    // Retire after the swap: close() lets their in-flight requests finish.
    for (const pool of retired) void pool.close();
    this.metrics.configReloads.inc({ result: 'success' });
    this.log.info({ file, reason, generation: this.generation, routes: next.routes.map((r) => `${r.name}@${r.weight}%`) }, 'config reloaded');
    return { ok: true, generation: this.generation };
  }

  /** Extra reasons not to be ready, from parts the app does not own (e.g. the cluster primary's workers). */
  readonly readinessChecks: (() => string[])[] = [];
  /** Extra notes for /readyz that do not make it unready (e.g. the fleet store is down: fail static). */
  readonly readinessNotes: (() => string[])[] = [];

  readiness(): Readiness {
    const reasons: string[] = [];
    if (!this.listening) reasons.push('the data plane is not listening yet');
    if (this.ctx.draining) reasons.push('draining for shutdown');
    const routes = routesReadiness(this.proxy.routeTable.routes, this.ctx.now());
    reasons.push(...routes.reasons);
    for (const check of this.readinessChecks) reasons.push(...check());
    const notes = [...routes.notes];
    for (const note of this.readinessNotes) notes.push(...note());
    return { ready: reasons.length === 0, reasons, notes };
  }

  /**
   * SIGTERM: stop accepting, let requests in flight finish (bounded by the drain
   * timeout), close the pools, close the admin server.
   */
  async stop(drainTimeoutMs = this.config.drainTimeout): Promise<void> {
    this.watcher?.stop();
    this.certificates?.close();
    this.rolloutEvents?.close();
    await this.rollouts?.stop();
    await this.fleet?.stop();
    this.log.info({ drainTimeoutMs }, 'draining');
    let timer: NodeJS.Timeout | undefined;
    const drained = this.proxy.stopAccepting();
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn('drain timeout reached; closing the remaining connections');
        this.proxy.closeAllConnections();
        resolve();
      }, drainTimeoutMs);
      timer.unref();
    });
    await Promise.race([drained, deadline]);
    clearTimeout(timer);
    this.tunnels.closeAll();
    this.healthChecker.stop();
    this.warmKeeper.stop();
    await this.pools.closeAll();
    await this.admin.close();
    this.log.info('stopped');
  }

  /** The access log when `log.access` is on, else nothing per request. */
  private requestDone(config: CutoverConfig): ProxyContext['requestDone'] {
    if (!config.log.access) return () => {};
    return (route, version, code, req, startedAt) => {
      this.log.info({ route: route.name, version, code, method: req.method, path: req.url, ms: Math.round((this.ctx.now() - startedAt) * 10) / 10 }, 'request');
    };
  }
}
