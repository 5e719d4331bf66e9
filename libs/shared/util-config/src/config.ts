// The one place that reads process.env. Each app declares its settings in its own env.ts with
// these field builders; loadConfig validates them all at start and reports every problem at once.

export interface Setting<T> {
  readonly kind: string;
  readonly defaultValue: T;
  readonly description: string;
  parse(raw: string): T; // throws Error with a reason on bad input
}

type Schema = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

function setting<T>(kind: string, defaultValue: T, description: string, parse: (raw: string) => T): Setting<T> {
  return { kind, defaultValue, description, parse };
}

export function str(defaultValue: string, description: string): Setting<string> {
  return setting('string', defaultValue, description, (raw) => raw);
}

export function int(defaultValue: number, description: string, range: { min?: number; max?: number } = {}): Setting<number> {
  return setting('integer', defaultValue, description, (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected an integer, got "${raw}"`);
    const n = Number(raw);
    if (range.min !== undefined && n < range.min) throw new Error(`must be at least ${range.min}, got ${n}`);
    if (range.max !== undefined && n > range.max) throw new Error(`must be at most ${range.max}, got ${n}`);
    return n;
  });
}

export function bool(defaultValue: boolean, description: string): Setting<boolean> {
  return setting('boolean', defaultValue, description, (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error(`expected true or false, got "${raw}"`);
  });
}

export function oneOf<T extends string>(values: readonly T[], defaultValue: T, description: string): Setting<T> {
  return setting(values.join('|'), defaultValue, description, (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  });
}

export function list(defaultValue: string[], description: string): Setting<string[]> {
  return setting('comma-separated list', defaultValue, description, (raw) =>
    raw.split(',').map((s) => s.trim()).filter(Boolean),
  );
}

export function loadConfig<S extends Schema>(schema: S, env: Record<string, string | undefined> = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      out[name] = spec.defaultValue;
      continue;
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** Markdown rows (variable, default, meaning) for the README's configuration table. */
export function describeSettings(schema: Schema): string[] {
  return Object.entries(schema).map(([name, s]) => {
    const def = Array.isArray(s.defaultValue) ? s.defaultValue.join(',') : String(s.defaultValue);
    return `| \`${name}\` | ${def === '' ? '(none)' : `\`${def}\``} | ${s.description} |`;
  });
}
