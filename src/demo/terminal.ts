import type { ApiTransition } from '../admin/dashboard-model.js';
import { renderDemoView, type DemoFrame } from './view.js';

const PROGRESS_EVERY_MS = 5_000;

/**
 * Puts frames on the terminal. On a TTY the view is redrawn in place (cursor up, clear down);
 * piped into a file or a test, it appends only what changed (each new decision) and a progress
 * line every few seconds, so the output stays a readable log.
 */
export class DemoTerminal {
  private drawnLines = 0;
  private printedDecisions = 0;
  private lastProgressAt = -Infinity;
  private headerPrinted = false;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, private readonly color = out.isTTY === true) {}

  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  draw(frame: DemoFrame): void {
    if (this.interactive) return this.redraw(frame);
    if (!this.headerPrinted) {
      this.out.write(`cutover demo: dashboard at ${frame.dashboardUrl}\n`);
      this.headerPrinted = true;
    }
    const history = frame.route?.history ?? [];
    for (const t of history.slice(this.printedDecisions)) this.out.write(decision(t));
    this.printedDecisions = Math.max(this.printedDecisions, history.length);
    if (frame.route && frame.elapsedMs - this.lastProgressAt >= PROGRESS_EVERY_MS) {
      this.lastProgressAt = frame.elapsedMs;
      const r = frame.route;
      this.out.write(`  ${(frame.elapsedMs / 1000).toFixed(0)} s: ${r.name} ${r.phase} at ${r.weight} %, stable ${r.stable.requests} req, canary ${r.canary?.requests ?? 0} req\n`);
      // Each replica's own weight: the same on every one is what a fleet promises.
      if (frame.fleet) this.out.write(`    replicas: ${frame.fleet.map((f) => `${f.id}${f.leader ? ' (leader)' : ''} ${f.phase} ${f.weight} %`).join(', ')}\n`);
    }
  }

  /** Leaves the last frame on screen and shows the cursor again. */
  finish(): void {
    if (this.interactive) this.out.write('\x1b[?25h');
  }

  private redraw(frame: DemoFrame): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const text = renderDemoView(frame, { width, color: this.color });
    // \x1b[nF: up n lines to column 1; \x1b[0J: clear to the end of the screen.
    const rewind = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[0J` : '\x1b[?25l';
    this.out.write(rewind + text + '\n');
    this.drawnLines = text.split('\n').length;
  }
}

function decision(t: ApiTransition): string {
  return `  ${t.at.slice(11, 19)}  ${t.from} → ${t.to} at ${t.weight} %: ${t.reason}\n`;
}
