import type { IncomingMessage, ServerResponse } from 'node:http';

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

interface RouteEntry { method: string; pattern: RegExp; keys: string[]; handler: AdminHandler; mutating: boolean }

/** A tiny method+path router: the admin API has a dozen routes, not enough for a framework. */
export class AdminRouter {
  private readonly entries: RouteEntry[] = [];

  add(method: string, path: string, handler: AdminHandler, options: { mutating?: boolean } = {}): this {
    const keys: string[] = [];
    const pattern = new RegExp('^' + path.replace(/:([a-zA-Z]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    }) + '/?$');
    this.entries.push({ method, pattern, keys, handler, mutating: options.mutating ?? method !== 'GET' });
    return this;
  }

  /** The handler for a request, or why there is none (404 or 405 with the allowed methods). */
  find(method: string, pathname: string): { entry: RouteEntry; params: Record<string, string> } | { status: 404 } | { status: 405; allow: string[] } {
    const allow: string[] = [];
    for (const entry of this.entries) {
      const m = entry.pattern.exec(pathname);
      if (!m) continue;
      if (entry.method !== method && !(method === 'HEAD' && entry.method === 'GET')) {
        allow.push(entry.method);
        continue;
      }
      const params: Record<string, string> = {};
      entry.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)));
      return { entry, params };
    }
    return allow.length > 0 ? { status: 405, allow } : { status: 404 };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Reads a small JSON body (admin requests are tiny; anything over 64 KiB is refused). */
export async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error(`request body over ${limit} bytes`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('request body is not valid JSON'), { status: 400 });
  }
}
