import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { SecureContext } from 'node:tls';
import type { TlsConfig } from '../config/schema.js';
import { CertificateError, loadCertificate, nameMatches, type LoadedCertificate } from './certificates.js';

/** Files written by rename (cert-manager, kubelet's ..data swap) settle within a few events; read once after them. */
const WATCH_DEBOUNCE_MS = 100;

export interface CertificateEvents {
  /** A pair could not be (re)loaded; the certificate it had keeps serving. */
  problem(err: CertificateError): void;
  /** A pair was renewed on disk and new connections get it now. */
  renewed(cert: LoadedCertificate): void;
  /** The default (first) certificate changed: handshakes without SNI must get it too. */
  defaultChanged(cert: LoadedCertificate): void;
}

/**
 * The certificates the TLS listener serves, chosen by SNI (the first is the
 * default). Swapped by reference on renewal: a handshake in progress and every
 * open connection keep the context they got; new ones get the new one.
 */
export class CertificateStore {
  private certs: LoadedCertificate[];
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pairs: TlsConfig['certificates'];
  /** Refreshes run one after another: a watch event during a reload must not interleave with it. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(pairs: TlsConfig['certificates'], certs: LoadedCertificate[], private readonly events: CertificateEvents) {
    this.pairs = pairs;
    this.certs = certs;
  }

  /** Loads every pair; any that fails fails the start, naming its file. */
  static async load(config: TlsConfig, events: CertificateEvents): Promise<CertificateStore> {
    const certs = await Promise.all(config.certificates.map((pair) => loadCertificate(pair)));
    return new CertificateStore(config.certificates, certs, events);
  }

  get default(): LoadedCertificate {
    return this.certs[0]!;
  }

  get all(): readonly LoadedCertificate[] {
    return this.certs;
  }

  /** Exact names before wildcards (RFC 6125 §6.4.3 lets both match; the specific one is what the operator meant). */
  contextFor(servername: string | undefined): SecureContext {
    if (!servername) return this.certs[0]!.context;
    const host = servername.toLowerCase();
    for (const c of this.certs) if (c.names.includes(host)) return c.context;
    for (const c of this.certs) for (const n of c.names) if (n.startsWith('*.') && nameMatches(n, host)) return c.context;
    return this.certs[0]!.context;
  }

  readonly sniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    cb(null, this.contextFor(servername));
  };

  /**
   * Reads every pair again (a config reload passes the new list). A pair that fails
   * keeps its last good certificate when its files are unchanged in the config;
   * a new pair that fails is left out and reported.
   */
  refresh(pairs?: TlsConfig['certificates']): Promise<void> {
    const run = this.queue.then(() => this.reload(pairs ?? this.pairs));
    this.queue = run.catch(() => {});
    return run;
  }

  private async reload(pairs: TlsConfig['certificates']): Promise<void> {
    const previous = this.certs;
    const next: LoadedCertificate[] = [];
    for (const pair of pairs) {
      const old = previous.find((c) => c.certFile === pair.cert && c.keyFile === pair.key);
      try {
        const loaded = await loadCertificate(pair);
        if (old && old.pem === loaded.pem) next.push(old);
        else {
          next.push(loaded);
          if (old) this.events.renewed(loaded);
        }
      } catch (err) {
        if (!(err instanceof CertificateError)) throw err;
        this.events.problem(err);
        if (old) next.push(old);
      }
    }
    if (next.length === 0) return;
    const defaultChanged = next[0] !== previous[0];
    this.pairs = pairs;
    this.certs = next;
    if (defaultChanged) this.events.defaultChanged(next[0]!);
    if (this.watchers.length > 0) this.watch();
  }

  /** Watches the directories, not the files: a rename-write replaces the inode a file watch would hold. */
  watch(): void {
    this.unwatch();
    const dirs = new Set<string>();
    for (const p of this.pairs) {
      dirs.add(dirname(p.cert));
      dirs.add(dirname(p.key));
    }
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch (err) {
        this.events.problem(new CertificateError(dir, `cannot watch for renewals: ${(err as Error).message}; renewed certificates apply on the next config reload`));
      }
    }
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, WATCH_DEBOUNCE_MS);
    this.timer.unref();
  }

  private unwatch(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  close(): void {
    this.unwatch();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
