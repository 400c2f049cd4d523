/** The steering commands of DESIGN.md, as yargs modules registered by main.ts. */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_CONFIG_FILE } from '../config/defaults.js';
import { runStatus } from './status.js';
import { runSteer, type SteerAction } from './steer.js';

interface AdminOptions { admin?: string; token?: string; config: string }

function adminOptions<T>(y: Argv<T>): Argv<T & AdminOptions> {
  return y
    .option('admin', { type: 'string', describe: 'admin API URL (default: admin.listen of the config file, else http://127.0.0.1:9901)' })
    .option('token', { type: 'string', describe: 'admin token (default: $CUTOVER_ADMIN_TOKEN, else admin.token of the config file)' })
    .option('config', { alias: 'c', type: 'string', default: DEFAULT_CONFIG_FILE, describe: 'config file to read the admin address from' }) as Argv<T & AdminOptions>;
}

const status: CommandModule<object, AdminOptions & { route?: string; json: boolean; watch: boolean }> = {
  command: 'status [route]',
  describe: 'phase, weight, step and live comparison per route',
  builder: (y) => adminOptions(y)
    .positional('route', { type: 'string', describe: 'only this route' })
    .option('json', { type: 'boolean', default: false, describe: 'print the admin API JSON' })
    .option('watch', { type: 'boolean', default: false, describe: 'redraw every second until Ctrl-C' }) as never,
  handler: async (argv) => {
    process.exitCode = await runStatus({ route: argv.route, admin: argv.admin, token: argv.token, config: argv.config, json: argv.json, watch: argv.watch });
  },
};

function steer(action: Exclude<SteerAction, 'weight'>, describe: string): CommandModule<object, AdminOptions & { route: string }> {
  return {
    command: `${action} <route>`,
    describe,
    builder: (y) => adminOptions(y).positional('route', { type: 'string', demandOption: true }) as never,
    handler: async (argv) => {
      process.exitCode = await runSteer({ action, route: argv.route, admin: argv.admin, token: argv.token, config: argv.config });
    },
  };
}

const weight: CommandModule<object, AdminOptions & { route: string; percent: number }> = {
  command: 'weight <route> <percent>',
  describe: 'set the canary share by hand (pauses an automated rollout)',
  builder: (y) => adminOptions(y)
    .positional('route', { type: 'string', demandOption: true })
    .positional('percent', { type: 'number', demandOption: true, describe: '0 to 100, decimals allowed' }) as never,
  handler: async (argv) => {
    process.exitCode = await runSteer({ action: 'weight', route: argv.route, percent: argv.percent, admin: argv.admin, token: argv.token, config: argv.config });
  },
};

export const rolloutCommands = [
  status,
  steer('promote', 'promote the canary to 100 % now (skips the remaining analysis and gates)'),
  steer('abort', 'revert the canary to 0 % now'),
  steer('pause', 'hold the rollout at its current weight'),
  steer('resume', 'continue a paused rollout, or restart a reverted one from the first step'),
  weight,
] as CommandModule[];
