#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_CONFIG_FILE, LOG_LEVELS } from '../config/defaults.js';
import { createDemoUpstream } from '../demo/upstream.js';
import { demoDefaults, runDemoCommand } from './demo.js';
import { rolloutCommands } from './rollout-commands.js';
import { runStart } from './start.js';
import { EXIT_USER_ERROR } from './exit-codes.js';
import { IMPORT_KINDS, runImport } from './import.js';
import { runValidate } from './validate.js';
import { REPORT_FORMATS } from '../migrations/report-formats.js';
import { DIALECTS, MIGRATION_PHASES } from '../migrations/types.js';

await yargs(hideBin(process.argv))
  .scriptName('cutover')
  .usage('$0 <command> [options]\n\nA traffic-shifting canary proxy. Docs: docs/README.md')
  .command(['start', '$0'], 'run the proxy', (y) => y
    .option('config', { alias: 'c', type: 'string', default: DEFAULT_CONFIG_FILE, describe: 'config file (YAML)' })
    .option('pretty', { type: 'boolean', default: false, describe: 'human-readable logs instead of JSON' })
    .option('log-level', { type: 'string', choices: [...LOG_LEVELS], describe: 'override log.level from the config' }),
  (argv) => runStart({ config: argv.config, pretty: argv.pretty, logLevel: argv.logLevel }))
  .command('validate', 'check a config file; print ok and a summary, or each error with file:line:column', (y) => y
    .option('config', { alias: 'c', type: 'string', default: DEFAULT_CONFIG_FILE, describe: 'config file (YAML)' }),
  async (argv) => {
    process.exitCode = await runValidate({ config: argv.config });
  })
  .command('demo', 'start two demo upstreams, the proxy and a bounded synthetic load, and show a rollout live', (y) => y
    .option('bad-canary', { type: 'boolean', default: false, describe: 'make v2 fail 5 % of requests, to see a revert' })
    .option('duration', { type: 'number', default: demoDefaults.duration, describe: 'time limit in seconds' })
    .option('rate', { type: 'number', default: demoDefaults.rate, describe: 'synthetic load in requests per second' })
    .option('fleet', { type: 'number', describe: 'run N replicas sharing one rollout through Redis (docs/fleet.md)' })
    .option('redis', { type: 'string', describe: 'with --fleet: use this Redis instead of starting one' }),
  async (argv) => {
    process.exitCode = await runDemoCommand({ badCanary: argv.badCanary, duration: argv.duration, rate: argv.rate, fleet: argv.fleet, redis: argv.redis });
  })
  .command('check-migrations <paths..>', 'lint SQL migrations for changes that break the version still running; exit 1 when unsafe or unparsable', (y) => y
    .positional('paths', { type: 'string', array: true, demandOption: true, describe: '.sql files, or directories of them (name order)' })
    .option('dialect', { type: 'string', choices: [...DIALECTS], default: 'postgres' as const, describe: 'SQL dialect of the files' })
    .option('phase', { type: 'string', choices: [...MIGRATION_PHASES], default: 'expand' as const, describe: 'expand: the old version still runs; contract: it is gone' })
    .option('format', { type: 'string', choices: [...REPORT_FORMATS], default: 'text' as const, describe: 'text, json, or SARIF 2.1.0' }),
  async (argv) => {
    // The parsers (a WASM module, a large grammar) load only for this command, not for `start`.
    const { runCheckMigrations } = await import('./check-migrations.js');
    process.exitCode = await runCheckMigrations({ paths: argv.paths, dialect: argv.dialect, phase: argv.phase, format: argv.format });
  })
  .command(rolloutCommands)
  .command('import <kind> <file>', 'print the cutover YAML for a Flagger Canary, an Argo Rollout or ingress-nginx canary Ingresses; what cannot be carried over goes to stderr', (y) => y
    .positional('kind', { choices: IMPORT_KINDS, describe: 'what FILE holds', demandOption: true })
    .positional('file', { type: 'string', describe: 'a manifest file, or a directory of them (the Canary or Rollout with its templates)', demandOption: true }),
  async (argv) => {
    process.exitCode = await runImport({ kind: argv.kind, file: argv.file });
  })
  .command('upstream', 'run a small demo upstream (answers its name) for trying cutover by hand', (y) => y
    .option('port', { type: 'number', demandOption: true })
    .option('host', { type: 'string', default: '127.0.0.1' })
    .option('name', { type: 'string', default: 'v1' })
    .option('error-rate', { type: 'number', default: 0, describe: 'share of requests answered with 500 (0-1)' })
    .option('latency', { type: 'number', default: 5, describe: 'median latency in ms' }),
  (argv) => {
    const server = createDemoUpstream({ name: argv.name, errorRate: argv.errorRate, latencyMs: argv.latency });
    server.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`cannot listen on ${argv.host}:${argv.port}: ${err.message}; pick another --port or --host\n`);
      process.exit(EXIT_USER_ERROR);
    });
    server.listen(argv.port, argv.host, () => process.stdout.write(`upstream ${argv.name} on http://${argv.host}:${argv.port}\n`));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
    process.on('SIGINT', () => server.close(() => process.exit(0)));
  })
  .strict()
  .demandCommand(0)
  .help()
  .version()
  .fail((msg, err, y) => {
    if (err) throw err;
    process.stderr.write(`${msg}\n\n${y.help()}\n`);
    process.exit(1);
  })
  .parseAsync();
