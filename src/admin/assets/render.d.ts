// Types for render.js, which stays plain JavaScript so browsers can load it unchanged.
import type { ApiRoute, ApiTestEvidence, ApiVerdict } from '../dashboard-model.js';

export type SteeringAction = 'pause' | 'resume' | 'promote' | 'abort';

export function esc(value: unknown): string;
export function formatPercent(fraction: number, digits?: number): string;
export function formatMs(ms: number | undefined): string;
export function formatCount(n: number): string;
export function formatEValue(logE: number): string;
export function describeEvidence(t: ApiTestEvidence, verdict: ApiVerdict): string;
export function describeStep(route: ApiRoute): string;
export function allowedActions(route: ApiRoute): SteeringAction[];
export function renderSummary(route: ApiRoute): string;
export function renderTimeline(route: ApiRoute): string;
export function renderVersions(route: ApiRoute): string;
export function renderVerdict(route: ApiRoute): string;
export function renderChecks(rollout: ApiRoute['rollout']): string;
export function renderShadow(route: ApiRoute): string;
export function renderHistory(route: ApiRoute): string;
export function renderActions(route: ApiRoute): string;
export function renderRouteSection(route: ApiRoute): string;
export const PARTS: Record<'summary' | 'actions' | 'timeline' | 'versions' | 'verdict' | 'history', (route: ApiRoute) => string>;
