// The flag parsing every subcommand shares: --name value / --name=value, --help, and one usage text
// generated from the same table, so flags and their help never drift apart.

import { parseArgs } from 'node:util';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly describe: string;
  readonly default?: string;
  /** Shown in usage, e.g. FILE. */
  readonly value?: string;
}

export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'boolean'
    ? boolean
    : S[K]['default'] extends string
      ? string
      : string | undefined;
};

export type FlagParse<S extends Record<string, FlagSpec>> =
  | { readonly ok: true; readonly help: boolean; readonly values: FlagValues<S> }
  | { readonly ok: false; readonly message: string };

export function flagUsage(command: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    const fallback = spec.default === undefined ? '' : ` (default ${JSON.stringify(spec.default)})`;
    return `  ${left.padEnd(26)}${spec.describe}${fallback}`;
  });
  return `usage: ${command} [flags]\n\nflags:\n${rows.join('\n')}\n  ${'-h, --help'.padEnd(26)}show this text\n`;
}

export function parseFlags<S extends Record<string, FlagSpec>>(argv: string[], specs: S): FlagParse<S> {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] =
      spec.default === undefined ? { type: spec.type } : { type: spec.type, default: spec.default };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) return { ok: false, message: `unexpected argument "${positionals[0]}"` };
    const { help, ...rest } = values;
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.type === 'boolean') rest[name] = rest[name] === true;
      else if (rest[name] === '') return { ok: false, message: `--${name} needs a value` };
    }
    return { ok: true, help: help === true, values: rest as FlagValues<S> };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
