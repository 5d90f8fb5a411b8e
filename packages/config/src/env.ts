import { z } from 'zod';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A problem at start the operator fixes outside the code (a database that is not running, say):
 * its message is one sentence naming the setting and the fix, printed without a stack trace.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Laravel's env() turns "null"/"(null)" into null and "empty"/"(empty)" into "", so a Laravel
 * `.env` with `REDIS_PASSWORD=null` must mean "no password" here too.
 */
export function laravelValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'null' || lower === '(null)' || trimmed === '') return undefined;
  if (lower === 'empty' || lower === '(empty)') return '';
  return trimmed;
}

const fromEnv = <T extends z.ZodType>(schema: T) => z.preprocess(laravelValue, schema);

// Defaults live inside the preprocessed schema: an empty or `null` value means "not set" and
// gets the default too, which an outer `.default()` (applied to undefined input only) would miss.

export function envString(): z.ZodType<string, unknown>;
export function envString(defaultValue: string): z.ZodType<string, unknown>;
export function envString(defaultValue?: string) {
  return fromEnv(defaultValue === undefined ? z.string() : z.string().default(defaultValue));
}

export const envOptionalString = () => fromEnv(z.string().optional());

export function envInt(options: { min?: number; max?: number; default?: number } = {}) {
  const int = z.coerce
    .number()
    .int()
    .min(options.min ?? Number.MIN_SAFE_INTEGER)
    .max(options.max ?? Number.MAX_SAFE_INTEGER);
  return fromEnv(options.default === undefined ? int : int.default(options.default));
}

export function envEnum<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
) {
  return fromEnv(z.enum(values).default(defaultValue as never));
}

/** One of `values`, or undefined when unset (the default then depends on other settings). */
export function envOptionalEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return fromEnv(z.enum(values).optional());
}

/** Explicit booleans: "false", "0", "no", "off" are false; anything unrecognised is an error. */
export const envBoolean = () =>
  fromEnv(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', '(true)', '(false)'])
      .transform((v) => ['true', '1', 'yes', 'on', '(true)'].includes(v))
      .optional(),
  );

export function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.output<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`),
    );
  }
  return result.data;
}

/** Parses each section of an app's configuration, reporting every problem at once. */
export function parseEnvSections<S extends Record<string, z.ZodType>>(
  sections: S,
  env: Env,
): { [K in keyof S]: z.output<S[K]> } {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(sections)) {
    try {
      parsed[name] = parseEnv(schema, env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed as { [K in keyof S]: z.output<S[K]> };
}

/** The environment variable names a section (a `z.object`, possibly piped or transformed) reads. */
export function envNames(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return envNames(schema.in as z.ZodType);
  throw new Error('envNames expects a z.object section (optionally piped or transformed)');
}
