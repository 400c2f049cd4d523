// cutover under test, in its own process, steered over IPC: set a weight (on the
// RouteState, as the rollout controller does, and in the file so reloads keep it),
// reload the unchanged file, swap roles after promotion.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CutoverApp } from '../../dist/app.js';
import { silentLogger } from '../../dist/log.js';

const [v1, v2, warm] = process.argv.slice(2);
const dir = await mkdtemp(join(tmpdir(), 'cutover-bench-switch-'));
const configFile = join(dir, 'cutover.yaml');
let roles = { stable: v1, canary: v2 };
let weight = 0;

const write = () => writeFile(configFile, stringify({
  listen: '127.0.0.1:0',
  admin: { listen: '127.0.0.1:0' },
  stateFile: join(dir, 'state.json'),
  routes: [{
    name: 'shop',
    stable: { endpoints: [roles.stable] },
    canary: { endpoints: [roles.canary] },
    weight,
    upstream: { warm: Number(warm), connections: 64 },
  }],
}));

await write();
const app = await CutoverApp.start({ configFile, logger: silentLogger(), watch: false, defaultMetrics: false });
const connects = () => {
  let n = 0;
  for (const pool of app.pools.all()) n += pool.connects;
  return n;
};

process.on('message', async (msg) => {
  const reply = (extra = {}) => process.send({ id: msg.id, connects: connects(), ...extra });
  switch (msg.op) {
    case 'weight':
      weight = msg.weight;
      app.states.get('shop').weight = weight;
      await write();
      return reply();
    case 'reload':
      await write();
      return reply({ result: await app.reload('bench') });
    case 'swap':
      // The operator's last step: the promoted canary's endpoints become stable.
      roles = { stable: roles.canary, canary: roles.stable };
      weight = 0;
      await write();
      {
        const result = await app.reload('swap roles');
        app.states.get('shop').weight = 0;
        return reply({ result });
      }
    case 'connects':
      return reply();
  }
});
process.send({ ready: true, url: `http://127.0.0.1:${app.dataAddress.port}` });
process.on('disconnect', () => void app.stop(1_000).then(() => process.exit(0)));
