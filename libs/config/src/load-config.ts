import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export interface LoadConfigOptions {
  /** Variables to read; the process environment when omitted by the caller. */
  env: Record<string, string | undefined>;
  /** Optional `.env` file; values in `env` win over it. */
  dotenvPath?: string;
}

/** One problem with one setting, phrased for an operator reading a start-up failure. */
export interface ConfigProblem {
  name: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.name}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads a settings object whose property names are environment variable names.
 * Defaults fill what is missing, strings are converted to the declared types, and every
 * problem is reported at once so an operator fixes them in one pass.
 */
export function loadConfig<T extends TObject>(schema: T, options: LoadConfigOptions): Static<T> {
  const fromFile =
    options.dotenvPath && existsSync(options.dotenvPath)
      ? parseDotenv(readFileSync(options.dotenvPath))
      : {};
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = options.env[name] ?? fromFile[name];
    // An empty variable means "not set", as in most shells' `FOO= cmd` idiom.
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const withDefaults = Value.Default(schema, raw);
  const converted = Value.Convert(schema, withDefaults);
  const problems = [...Value.Errors(schema, converted)].map((error) => ({
    name: error.path.replace(/^\//, '') || '(settings)',
    message: describe(error.message, error.value),
  }));
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  return converted as Static<T>;
}

function describe(message: string, value: unknown): string {
  return value === undefined ? 'is required' : `${message} (got ${JSON.stringify(value)})`;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    if (seen.has(p.name)) return false;
    seen.add(p.name);
    return true;
  });
}

/**
 * For an app's entry point: the settings, or one message listing every problem on standard
 * error and exit code 78 (EX_CONFIG), so a misconfigured process never half starts.
 */
export function loadConfigOrExit<T extends TObject>(schema: T, options: LoadConfigOptions): Static<T> {
  try {
    return loadConfig(schema, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
}
