/**
 * The `{{...}}` placeholders of a check's query or URL. Validated with the config (an unknown
 * name is a typo that would otherwise query a literal "{{canary.revison}}" and see no data
 * forever) and filled in at the start of every step.
 */

export const TEMPLATE_NAMES = ['route', 'canary.revision', 'stable.revision', 'step', 'weight', 'revision'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type TemplateValues = Partial<Record<TemplateName, string>>;

const PLACEHOLDER_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The names used in `text`, in order of appearance, known or not. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!);
}

export function isTemplateName(name: string): name is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(name);
}

/**
 * Fills every placeholder; `escape` makes a value safe where it lands (a PromQL string literal,
 * a URL component). A name without a value is left for the validator to have caught.
 */
export function fillTemplate(text: string, values: TemplateValues, escape: (value: string) => string): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string) => {
    const value = isTemplateName(name) ? values[name] : undefined;
    return value === undefined ? whole : escape(value);
  });
}

/** Inside a PromQL double- or single-quoted string: backslash and both quotes are escaped. */
export function escapePromqlString(value: string): string {
  return value.replace(/[\\"']/g, (c) => `\\${c}`);
}
