import { renderStatus, type StatusRoute } from './render-status.js';
import { AdminCallError, callAdmin, reportAdminErrors, resolveAdmin, type AdminTarget } from './admin-client.js';
import { renderFleet, type StatusFleet } from './render-fleet.js';
import { EXIT_OK } from './exit-codes.js';

export interface StatusArgs { route?: string; admin?: string; token?: string; config: string; json: boolean; watch: boolean }

// ANSI: cursor home, clear screen.
const CLEAR = '\x1b[H\x1b[2J';
export const WATCH_INTERVAL_MS = 1_000;

/** `cutover status [ROUTE] [--json] [--watch]`. */
export async function runStatus(args: StatusArgs): Promise<number> {
  const target = await resolveAdmin(args);
  const fetchRoutes = async (): Promise<StatusRoute[]> => {
    if (args.route !== undefined) return [(await callAdmin(target, 'GET', `/api/v1/routes/${encodeURIComponent(args.route)}`)) as StatusRoute];
    return ((await callAdmin(target, 'GET', '/api/v1/routes')) as { routes: StatusRoute[] }).routes;
  };
  const once = async (): Promise<string> => {
    const routes = await fetchRoutes();
    const fleet = args.route === undefined ? await fetchFleet(target) : null;
    if (args.json) return JSON.stringify(args.route !== undefined ? routes[0] : { routes, ...(fleet ? { fleet } : {}) }, null, 2) + '\n';
    return renderStatus(routes, process.stdout.columns ?? 100) + (fleet ? '\n' + renderFleet(fleet) : '');
  };
  return reportAdminErrors(async () => {
    if (!args.watch) {
      process.stdout.write(await once());
      return EXIT_OK;
    }
    // The first fetch decides the exit code; afterwards a hiccup is shown and the watch goes on.
    let frame = await once();
    let stopped = false;
    process.once('SIGINT', () => {
      stopped = true;
    });
    while (!stopped) {
      process.stdout.write((args.json ? '' : CLEAR) + frame);
      await new Promise((r) => setTimeout(r, WATCH_INTERVAL_MS));
      frame = await once().catch((err: unknown) => `${(err as Error).message}\n`);
    }
    return EXIT_OK;
  });
}

/** The fleet's replicas, or null for a proxy without `fleet` (its admin API has no /api/v1/fleet). */
async function fetchFleet(target: AdminTarget): Promise<StatusFleet | null> {
  try {
    return (await callAdmin(target, 'GET', '/api/v1/fleet')) as StatusFleet;
  } catch (err) {
    if (err instanceof AdminCallError && err.code !== 'ADMIN_UNREACHABLE') return null;
    throw err;
  }
}
