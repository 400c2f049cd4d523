import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ApiRoute } from './dashboard-model.js';
import { renderDashboardPage } from './dashboard-html.js';
import type { AdminRouter } from './router.js';

/** An asset held in memory: read once at startup, served with a strong ETag. */
interface Asset { body: Buffer; contentType: string; etag: string }

const ASSET_FILES: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'vendor/uPlot.iife.min.js': 'text/javascript; charset=utf-8',
  'vendor/uPlot.min.css': 'text/css; charset=utf-8',
};

/** The page links assets by content hash (?v=…), so a year of caching is safe and a new build is fetched at once. */
const VERSIONED_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Module imports (render.js from dashboard.js) carry no hash: revalidate each time, a cheap 304. */
const UNVERSIONED_CACHE_CONTROL = 'no-cache';
// The page talks only to this admin server: no CDN, no inline script, nothing from elsewhere.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export class DashboardAssetError extends Error {
  readonly code = 'DASHBOARD_ASSET_MISSING';
  constructor(file: string, cause: unknown) {
    super(`dashboard asset ${file} is missing (${(cause as Error).message}); rebuild with "npm run build", which copies src/admin/assets into dist/admin/assets`);
  }
}

export interface DashboardSource {
  /** The same route views GET /api/v1/routes answers. */
  routes(): unknown[];
  /** Whether steering calls need a token, so the page can say so up front. */
  tokenRequired(): boolean;
}

function loadAssets(dir: URL): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [file, contentType] of Object.entries(ASSET_FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(fileURLToPath(new URL(file, dir)));
    } catch (err) {
      throw new DashboardAssetError(file, err);
    }
    const etag = createHash('sha256').update(body).digest('base64url').slice(0, 16);
    assets.set(file, { body, contentType, etag });
  }
  return assets;
}

/**
 * Serves the dashboard on the admin server: GET / renders every route as HTML (readable
 * without JavaScript), and /assets/* serves the script, the stylesheet and uPlot from memory.
 */
export function registerDashboard(router: AdminRouter, source: DashboardSource, assetDir = new URL('./assets/', import.meta.url)): void {
  const assets = loadAssets(assetDir);
  const versions = Object.fromEntries([...assets].map(([file, a]) => [file, a.etag]));
  router.add('GET', '/', (_req, res) => {
    const html = renderDashboardPage({ routes: source.routes() as ApiRoute[], tokenRequired: source.tokenRequired(), assetVersions: versions, now: new Date() });
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(html);
  });
  for (const [file, asset] of assets) router.add('GET', `/assets/${file}`, (req, res) => sendAsset(req, res, asset));
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const etag = `"${asset.etag}"`;
  const versioned = new URL(req.url ?? '/', 'http://admin').searchParams.get('v') === asset.etag;
  const headers = { etag, 'cache-control': versioned ? VERSIONED_CACHE_CONTROL : UNVERSIONED_CACHE_CONTROL, 'x-content-type-options': 'nosniff' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': asset.contentType, 'content-length': asset.body.length });
  res.end(asset.body);
}
