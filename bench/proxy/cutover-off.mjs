// cutover with the per-request recording switched off: the same app and hot path as
// `cutover start`, but VersionRecorder.record (Prometheus counters and histogram, and the
// analysis window) does nothing. The gap to the real CLI is what the features cost.
import { CutoverApp } from '../../dist/app.js';
import { silentLogger } from '../../dist/log.js';
import { VersionRecorder } from '../../dist/metrics/recorder.js';

VersionRecorder.prototype.record = function record() {};
const app = await CutoverApp.start({ configFile: process.argv[2], logger: silentLogger(), watch: false });
process.stdout.write(`${JSON.stringify({ port: app.dataAddress.port })}\n`);
process.on('SIGTERM', () => void app.stop(1_000).then(() => process.exit(0)));
