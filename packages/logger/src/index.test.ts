import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { logEnv, parseEnv, type LogConfig } from '@kelisim/config';
import { createLogger } from './index.js';

/** The JSON lines a logger of `config` writes for one info and one error line. */
function linesOf(config: LogConfig): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = createLogger(config, { service: 'test' }, destination);
  logger.info('started');
  logger.child({ jobId: '1' }).error('failed');
  return lines;
}

describe('log levels', () => {
  it('are names by default, as the settings give them', () => {
    const lines = linesOf(parseEnv(logEnv, {}));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['info', 'started'],
      ['error', 'failed'],
    ]);
  });

  it("are pino's numbers with LOG_LEVEL_FORMAT=number", () => {
    const lines = linesOf(parseEnv(logEnv, { LOG_LEVEL_FORMAT: 'number' }));
    expect(lines.map((line) => line.level)).toEqual([30, 50]);
  });

  it('GIN_MODE=debug logs debug lines, GIN_MODE=release does not', () => {
    const logged = (env: Record<string, string>) => {
      const lines: unknown[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')));
          done();
        },
      });
      // Pretty output aside (it writes through a worker), the level is what GIN_MODE picked.
      const config = { ...parseEnv(logEnv, env), pretty: false };
      createLogger(config, {}, destination).debug('detail');
      return lines;
    };
    expect(logged({ GIN_MODE: 'debug' })).toMatchObject([{ level: 'debug', msg: 'detail' }]);
    expect(logged({ GIN_MODE: 'release' })).toEqual([]);
  });
});
