import type { Server } from 'node:net';

/**
 * Polls a condition until it holds or the deadline passes. Only for states no event announces
 * (pool stats, connection counts, a file watch); anything with an event is awaited with `once`.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connections the server holds open right now. */
export function connectionsOf(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}
