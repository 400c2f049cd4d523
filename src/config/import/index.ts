export { importArgo } from './argo.js';
export { importFlagger } from './flagger.js';
export { importIngressNginx } from './ingress-nginx.js';
export { ImportError, parseManifests, type Manifest } from './manifests.js';
export type { Omission, Translation } from './translation.js';
