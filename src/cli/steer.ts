import { callAdmin, reportAdminErrors, resolveAdmin } from './admin-client.js';
import { EXIT_OK, EXIT_USER_ERROR } from './exit-codes.js';

export type SteerAction = 'promote' | 'abort' | 'pause' | 'resume' | 'weight';
export interface SteerArgs { action: SteerAction; route: string; percent?: number; admin?: string; token?: string; config: string }

/** `cutover promote|abort|pause|resume ROUTE` and `cutover weight ROUTE PERCENT`. */
export async function runSteer(args: SteerArgs): Promise<number> {
  if (args.action === 'weight' && (args.percent === undefined || !Number.isFinite(args.percent) || args.percent < 0 || args.percent > 100)) {
    // yargs turns a PERCENT that is not a number into NaN, so the message does not echo it.
    const got = args.percent !== undefined && Number.isFinite(args.percent) ? ` (got ${args.percent})` : '';
    process.stderr.write(`PERCENT must be a number from 0 to 100, decimals allowed${got}: for example \`cutover weight ${args.route} 25\`\n`);
    return EXIT_USER_ERROR;
  }
  return reportAdminErrors(async () => {
    const target = await resolveAdmin(args);
    const path = `/api/v1/routes/${encodeURIComponent(args.route)}/${args.action}`;
    const route = (args.action === 'weight'
      ? await callAdmin(target, 'PUT', path, { weight: args.percent })
      : await callAdmin(target, 'POST', path)) as { name: string; phase: string; weight: number; rollout?: { reason?: string | null } | null };
    const reason = route.rollout?.reason ? ` (${route.rollout.reason})` : '';
    process.stdout.write(`${route.name}: ${route.phase} at ${route.weight}%${reason}\n`);
    return EXIT_OK;
  });
}
