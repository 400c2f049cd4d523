/**
 * The steering half of the admin API: promote, abort, pause, resume, a manual weight, and the
 * event stream. AdminServer has already checked the bearer token on every non-GET route.
 */
import type { ServerResponse } from 'node:http';
import type { CommandResult, RolloutController } from '../rollout/controller.js';
import type { OperatorAction } from '../rollout/types.js';
import { EventStream } from './events.js';
import { readJson, sendError, sendJson, type AdminRouter } from './router.js';
import type { AdminBackend } from './server.js';

export interface RolloutApiDeps {
  router: AdminRouter;
  controller: RolloutController;
  /** The route JSON, as GET /api/v1/routes and /api/v1/routes/NAME answer it. */
  views: Pick<AdminBackend, 'route' | 'routes'>;
}

const ACTIONS: readonly Exclude<OperatorAction, 'setWeight'>[] = ['promote', 'abort', 'pause', 'resume'];

/** Registers the routes and returns the event stream (the caller closes it on shutdown). */
export function registerRolloutApi(deps: RolloutApiDeps): EventStream {
  const { router, controller, views } = deps;
  const events = new EventStream(() => ({ at: new Date().toISOString(), routes: views.routes() }));
  controller.onTransition((t) => events.publish('transition', {
    route: t.route, from: t.from, to: t.to, weight: t.weight, step: t.step, reason: t.reason, at: new Date(t.at).toISOString(),
  }));

  const answer = (res: ServerResponse, name: string, result: CommandResult): void => {
    if (result.ok) return sendJson(res, 200, views.route(name) ?? {});
    if ('unknownRoute' in result) return sendError(res, 404, 'UNKNOWN_ROUTE', `no route named "${name}"; GET /api/v1/routes lists them`);
    if ('notPersisted' in result) return sendError(res, 503, 'STATE_NOT_SAVED', `${result.notPersisted}; nothing changed`);
    const status = result.refusal.code === 'INVALID_WEIGHT' ? 400 : 409;
    return sendError(res, status, result.refusal.code, `route ${name}: ${result.refusal.message}`);
  };

  for (const action of ACTIONS) {
    router.add('POST', `/api/v1/routes/:name/${action}`, async (_req, res, p) => answer(res, p.name!, await controller.command(p.name!, action)));
  }
  router.add('PUT', '/api/v1/routes/:name/weight', async (req, res, p) => {
    const body = await readJson(req);
    const weight = (body as { weight?: unknown } | null)?.weight;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
      return sendError(res, 400, 'INVALID_WEIGHT', `send {"weight": N} with N a number from 0 to 100 (got ${JSON.stringify(weight ?? null)})`);
    }
    answer(res, p.name!, await controller.command(p.name!, 'setWeight', weight));
  });
  router.add('GET', '/api/v1/events', (req, res) => events.handle(req, res));
  return events;
}
