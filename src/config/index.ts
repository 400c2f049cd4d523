export * from './schema.js';
export * from './errors.js';
export * from './load.js';
export * from './defaults.js';
export { ConfigWatcher } from './watch.js';
