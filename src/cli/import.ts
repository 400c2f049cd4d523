/**
 * `cutover import flagger|argo|ingress-nginx FILE`: prints the cutover YAML for the manifests in
 * FILE (or every *.yaml / *.yml in a directory), and on stderr every field it could not carry
 * over and every change of meaning, each with why. The YAML it prints is validated first.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, parseConfigText } from '../config/index.js';
import { importArgo, importFlagger, importIngressNginx, ImportError, parseManifests, type Manifest, type Omission, type Translation } from '../config/import/index.js';
import { EXIT_OK, EXIT_USER_ERROR } from './exit-codes.js';

export const IMPORT_KINDS = ['flagger', 'argo', 'ingress-nginx'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

const TRANSLATORS: Record<ImportKind, (m: readonly Manifest[], source: string) => Translation> = {
  flagger: importFlagger, argo: importArgo, 'ingress-nginx': importIngressNginx,
};

export async function runImport(args: { kind: ImportKind; file: string }, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let translation: Translation;
  try {
    const sources = await readSources(args.file);
    translation = TRANSLATORS[args.kind](parseManifests(sources), args.file);
  } catch (e) {
    if (e instanceof ImportError) {
      err.write(`${e.message}\n`);
      return EXIT_USER_ERROR;
    }
    throw e;
  }
  const yaml = `# cutover config imported from ${args.kind} manifests in ${args.file} by \`cutover import ${args.kind}\`.\n` +
    '# Check the notes it printed on stderr, then `cutover validate -c FILE`.\n' + stringify(translation.config, { lineWidth: 0 });
  try {
    // Defaults of ${VAR:-default} apply, as they would for an operator without those variables set.
    parseConfigText(yaml, `${args.kind} import`, {});
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err.write(`the imported config does not validate, so it was not printed:\n${e.message}\nThis is a bug in the ${args.kind} importer or an input cutover cannot express; please report it with the manifest.\n`);
    return EXIT_USER_ERROR;
  }
  out.write(yaml);
  const routes = (translation.config.routes as unknown[]).length;
  err.write(`cutover import ${args.kind}: ${routes} route${routes === 1 ? '' : 's'} from ${args.file}\n`);
  writeList(err, 'not carried over', translation.omitted);
  writeList(err, 'carried over with a change of meaning; check', translation.notes);
  return EXIT_OK;
}

function writeList(err: NodeJS.WritableStream, title: string, items: readonly Omission[]): void {
  if (items.length === 0) return;
  err.write(`${title} (${items.length}):\n`);
  for (const o of items) err.write(`  - ${o.where}: ${o.why}\n`);
}

async function readSources(path: string): Promise<{ file: string; text: string }[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new ImportError(`cannot read ${path}: ${(e as Error).message}; pass a manifest file or a directory of them`);
  }
  const files = isDir ? (await readdir(path)).filter((f) => /\.ya?ml$/i.test(f)).sort().map((f) => join(path, f)) : [path];
  if (files.length === 0) throw new ImportError(`${path} holds no .yaml or .yml files`);
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
}
