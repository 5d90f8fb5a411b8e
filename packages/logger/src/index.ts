import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogConfig } from '@kelisim/config';

export type { Logger } from 'pino';

/** Secrets and message bodies never reach the logs. */
export const redactedPaths = [
  'token',
  '*.token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.token',
  'content',
  '*.content',
];

/**
 * JSON lines on stdout (pretty when configured), or to `destination` (tests read their logs).
 * `level` is the level's name (`"info"`), or pino's number (30) with `levelFormat: 'number'`.
 */
export function createLogger(
  config: LogConfig,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: config.level,
    base: { pid: process.pid, ...bindings },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (config.levelFormat !== 'number') {
    options.formatters = { level: (label) => ({ level: label }) };
  }
  if (destination) return pino(options, destination);
  if (config.pretty) {
    // pino-pretty prints names itself and reads the numbers pino writes.
    const { formatters: _numbersForPretty, ...prettyOptions } = options;
    return pino({
      ...prettyOptions,
      transport: { target: 'pino-pretty', options: { colorize: true } },
    });
  }
  return pino(options);
}

/** A logger that writes nothing, for tests and tools that only care about results. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
