// Command-line options: one table per command drives both parsing (node:util parseArgs) and --help text.
import { parseArgs } from 'node:util';
import { DemixError } from '../errors.js';

export interface OptionSpec {
  name: string; // long name, used as --name
  short?: string; // one letter, used as -x
  type: 'string' | 'boolean';
  value?: string; // placeholder shown in help for string options, e.g. 'DIR'
  description: string;
  default?: string; // shown in help; string options only
}

/** The -h/--help option every command accepts. */
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' };

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses `argv` against `specs`; unknown options and missing values throw a DemixError('USAGE'). */
export function parseOptions(argv: string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const s of specs) options[s.name] = s.short ? { type: s.type, short: s.short } : { type: s.type };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const out: Record<string, string | boolean | undefined> = {};
    for (const s of specs) out[s.name] = (values as Record<string, string | boolean | undefined>)[s.name] ?? s.default;
    return { values: out, positionals };
  } catch (err) {
    throw new DemixError('USAGE', (err as Error).message.split('\n')[0]);
  }
}

/** Help text: usage line, summary, then one aligned line per option. */
export function formatHelp(usage: string, summary: string, specs: readonly OptionSpec[], footer = ''): string {
  const heads = specs.map((s) => {
    const flag = (s.short ? `-${s.short}, ` : '    ') + `--${s.name}`;
    return s.type === 'string' ? `${flag} <${s.value ?? 'VALUE'}>` : flag;
  });
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  const lines = specs.map((s, i) => {
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return `  ${heads[i].padEnd(width)}${s.description}${def}`;
  });
  return [`Usage: ${usage}`, '', summary, '', 'Options:', ...lines, ...(footer ? ['', footer] : [])].join('\n') + '\n';
}

/** A positive integer option value, or a usage error naming the option. */
export function intOption(values: ParsedArgs['values'], name: string, allowed?: readonly number[]): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || (allowed && !allowed.includes(n))) {
    const expect = allowed ? `one of ${allowed.join(', ')}` : 'a non-negative integer';
    throw new DemixError('USAGE', `--${name} must be ${expect}, got "${raw}"`);
  }
  return n;
}

/** A comma-separated list option, trimmed, without empty items. */
export function listOption(values: ParsedArgs['values'], name: string): string[] | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
