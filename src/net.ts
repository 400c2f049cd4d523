/** Listening helpers shared by the admin server and the composition root. */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';

/** `host:port` as written in the config (`listen`, `admin.listen`); IPv6 hosts lose their brackets. */
export function splitHostPort(address: string): { host: string; port: number } {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx).replace(/^\[|\]$/g, '');
  return { host, port: Number(address.slice(idx + 1)) };
}

/**
 * Listens and resolves with the bound address (the real port for port 0), or rejects with the
 * listen error (EADDRINUSE, EACCES, EADDRNOTAVAIL) instead of leaving it to an 'error' event.
 */
export function listenOn(server: Server, port: number, host: string): Promise<{ port: number; host: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? { port: addr.port, host: addr.address } : { port, host });
    });
  });
}

/** The user-fixable listen failures: a port in use or privileged, an address not on this host, a host name that does not resolve. */
const LISTEN_ERROR_HINTS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'another process holds the port',
  EACCES: 'the port needs privileges (below 1024)',
  EADDRNOTAVAIL: 'the address is not one of this host\'s',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** A one-line message for a listen failure the operator can fix in the config, else null. */
export function describeListenError(err: unknown, configFile: string): string | null {
  const e = err as NodeJS.ErrnoException;
  const hint = e.code !== undefined ? LISTEN_ERROR_HINTS[e.code] : undefined;
  if (hint === undefined) return null;
  return `cannot listen: ${e.message} (${hint}); change listen or admin.listen in ${configFile}`;
}

/**
 * A loopback port nothing listens on right now: bind 0, read it, close. For servers that cannot be
 * told to bind 0 and report the port (redis-server, prometheus), and for connection-refused cases.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}
