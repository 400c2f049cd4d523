/** One problem in a config file, located as precisely as the YAML allows. */
export interface ConfigIssue {
  /** Field path in the style `routes[0].canary.endpoints[1]`; empty for the document itself. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
}

/** A config that cannot be used. Carries every issue found, not only the first. */
export class ConfigError extends Error {
  readonly code = 'CUTOVER_CONFIG_INVALID';
  constructor(readonly file: string, readonly issues: ConfigIssue[]) {
    super(`${file} is not a valid cutover config:\n` + issues.map((i) => '  ' + formatIssue(file, i)).join('\n'));
    this.name = 'ConfigError';
  }
}

/** The config file could not be read at all (missing, permissions). */
export class ConfigReadError extends Error {
  readonly code = 'CUTOVER_CONFIG_UNREADABLE';
  constructor(readonly file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot read config ${file}: ${reason}. Check the path given with -c/--config.`, { cause });
    this.name = 'ConfigReadError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
