/**
 * Kubernetes manifests as the importers read them: every YAML document of every file, with where
 * it came from, so an omission or an error can name the object and the file.
 */
import { LineCounter, parseAllDocuments } from 'yaml';

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  /** The whole object, as YAML gave it. */
  doc: Record<string, unknown>;
}

/** The input cannot be imported at all (unreadable YAML, no object of the kind asked for). */
export class ImportError extends Error {
  readonly code = 'CUTOVER_IMPORT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export function parseManifests(sources: readonly { file: string; text: string }[]): Manifest[] {
  const out: Manifest[] = [];
  for (const { file, text } of sources) {
    const lines = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })) {
      const err = doc.errors[0];
      if (err) {
        const pos = lines.linePos(err.pos[0]);
        throw new ImportError(`${file}:${pos.line}:${pos.col} YAML syntax: ${err.message.split('\n')[0]}; fix the manifest, then import again`);
      }
      const value: unknown = doc.toJS();
      if (!isObject(value)) continue;
      const metadata = isObject(value.metadata) ? value.metadata : {};
      out.push({
        file, doc: value,
        apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
        kind: typeof value.kind === 'string' ? value.kind : '',
        name: typeof metadata.name === 'string' ? metadata.name : '',
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
      });
    }
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function describeManifest(m: Manifest): string {
  return `${m.kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name || '(unnamed)'} (${m.file})`;
}
