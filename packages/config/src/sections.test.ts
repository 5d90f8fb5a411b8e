import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, parseEnvSections } from './env.js';
import { chatEnv, databaseEnv, demoEnv, jwtEnv, logEnv, redisEnv } from './sections.js';

describe('configuration from the environment', () => {
  it('uses the defaults when nothing is set', () => {
    expect(parseEnv(databaseEnv, {})).toEqual({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: '',
      database: 'kelisim',
      connectionLimit: 10,
    });
    expect(parseEnv(redisEnv, {})).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      password: undefined,
    });
    expect(parseEnv(logEnv, {})).toEqual({ level: 'info', pretty: false, levelFormat: 'label' });
  });

  it("reads Laravel's .env values: empty, null and (null) mean unset, empty means ''", () => {
    expect(parseEnv(databaseEnv, { DB_PASSWORD: '', DB_HOST: 'null' })).toMatchObject({
      password: '',
      host: '127.0.0.1',
    });
    expect(parseEnv(redisEnv, { REDIS_PASSWORD: 'null' }).password).toBeUndefined();
    expect(parseEnv(redisEnv, { REDIS_PASSWORD: '(null)' }).password).toBeUndefined();
    expect(parseEnv(redisEnv, { REDIS_PASSWORD: 's3cret' }).password).toBe('s3cret');
    expect(parseEnv(databaseEnv, { DB_PASSWORD: 'empty' }).password).toBe('');
  });

  it('prefers DATABASE_URL over DB_* and decodes its parts', () => {
    expect(
      parseEnv(databaseEnv, {
        DB_HOST: 'ignored',
        DATABASE_URL: 'mysql://chat%40app:p%3Ass@db.internal:3307/chat',
      }),
    ).toMatchObject({
      host: 'db.internal',
      port: 3307,
      user: 'chat@app',
      password: 'p:ss',
      database: 'chat',
    });
  });

  it("takes Laravel's DB_SOCKET, with the DB_* values or a DATABASE_URL; empty means TCP", () => {
    const socketPath = '/run/mysqld/mysqld.sock';
    expect(parseEnv(databaseEnv, { DB_SOCKET: socketPath })).toMatchObject({ socketPath });
    expect(
      parseEnv(databaseEnv, { DB_SOCKET: socketPath, DATABASE_URL: 'mysql://u:p@db:3307/chat' }),
    ).toMatchObject({ socketPath, user: 'u', database: 'chat' });
    expect(parseEnv(databaseEnv, { DB_SOCKET: '' })).not.toHaveProperty('socketPath');
    expect(parseEnv(databaseEnv, {})).not.toHaveProperty('socketPath');
  });

  it('maps GIN_MODE to a log level and honours LOG_LEVEL and explicit booleans', () => {
    expect(parseEnv(logEnv, { GIN_MODE: 'debug' })).toEqual({
      level: 'debug',
      pretty: true,
      levelFormat: 'label',
    });
    expect(parseEnv(logEnv, { GIN_MODE: 'debug', LOG_PRETTY: 'false' })).toEqual({
      level: 'debug',
      pretty: false,
      levelFormat: 'label',
    });
    expect(parseEnv(logEnv, { GIN_MODE: 'test', LOG_LEVEL: 'error' }).level).toBe('error');
  });

  it('writes level names unless LOG_LEVEL_FORMAT=number, and refuses other formats', () => {
    expect(parseEnv(logEnv, {}).levelFormat).toBe('label');
    expect(parseEnv(logEnv, { LOG_LEVEL_FORMAT: 'number' }).levelFormat).toBe('number');
    expect(() => parseEnv(logEnv, { LOG_LEVEL_FORMAT: 'numeric' })).toThrow(/LOG_LEVEL_FORMAT/);
  });

  it('parses the shared chat settings', () => {
    expect(
      parseEnv(chatEnv, {
        CHAT_CORS_ORIGINS: 'https://a.test, https://b.test',
        CHAT_REDIS_ADAPTER: 'sharded',
      }),
    ).toMatchObject({
      corsOrigins: ['https://a.test', 'https://b.test'],
      adapter: 'sharded',
      messageMaxLength: 10_000,
      sendRateLimit: { points: 30, windowSeconds: 10 },
      groupCommit: { maxWaitMs: 2, maxBatch: 100 },
      groupMaxMembers: 1_000,
      createRateLimit: { points: 30, windowSeconds: 600 },
      participantAddRateLimit: { points: 1_000, windowSeconds: 3_600 },
      deleteRateLimit: { points: 60, windowSeconds: 60 },
    });
  });

  it("allows sockets from APP_URL's origin by default, while REST CORS allows any origin", () => {
    expect(parseEnv(chatEnv, { APP_URL: 'https://app.test/sub/' })).toMatchObject({
      corsOrigins: ['*'],
      socketOrigins: ['https://app.test'],
    });
    expect(parseEnv(chatEnv, { CHAT_CORS_ORIGINS: '*' })).toMatchObject({
      corsOrigins: ['*'],
      socketOrigins: ['*'],
    });
    expect(parseEnv(chatEnv, { CHAT_CORS_ORIGINS: 'https://a.test' })).toMatchObject({
      corsOrigins: ['https://a.test'],
      socketOrigins: ['https://a.test'],
    });
  });

  it('requires a secret for HS algorithms and a public key for RS ones', () => {
    expect(parseEnv(jwtEnv, { JWT_SECRET: 'x' })).toMatchObject({
      secret: 'x',
      algorithm: 'HS256',
      leewaySeconds: 0,
    });
    expect(() => parseEnv(jwtEnv, {})).toThrow(/JWT_SECRET/);
    expect(() => parseEnv(jwtEnv, { JWT_ALGO: 'RS256' })).toThrow(/JWT_PUBLIC_KEY/);
  });

  it('leaves the jwt-auth blacklist and Sanctum off unless asked, with Laravel defaults', () => {
    expect(parseEnv(jwtEnv, { JWT_SECRET: 'x' })).toMatchObject({
      blacklist: {
        enabled: false,
        redisDb: 1,
        redisPrefix: 'laravel_database_',
        cachePrefix: 'laravel_cache_',
        tagMode: 'entries',
      },
      sanctum: { enabled: false, userModel: 'App\\Models\\User', expirationMinutes: undefined },
    });
    const on = parseEnv(jwtEnv, {
      JWT_SECRET: 'x',
      JWT_BLACKLIST_ENABLED: 'true',
      JWT_BLACKLIST_REDIS_PREFIX: 'empty',
      JWT_BLACKLIST_CACHE_PREFIX: 'myapp-cache-',
      JWT_BLACKLIST_TAG_MODE: 'namespace',
      SANCTUM_ENABLED: 'true',
      SANCTUM_EXPIRATION: '525600',
    });
    expect(on.blacklist).toMatchObject({
      enabled: true,
      redisPrefix: '',
      cachePrefix: 'myapp-cache-',
      tagMode: 'namespace',
    });
    expect(on.sanctum).toMatchObject({ enabled: true, expirationMinutes: 525_600 });
    expect(() => parseEnv(jwtEnv, { JWT_SECRET: 'x', SANCTUM_EXPIRATION: 'soon' })).toThrow(
      /SANCTUM_EXPIRATION/,
    );
  });

  it('reports every problem of every section at once', () => {
    try {
      parseEnvSections(
        { database: databaseEnv, jwt: jwtEnv, log: logEnv },
        {
          DB_PORT: 'abc',
          JWT_ALGO: 'none',
          GIN_MODE: 'loud',
          LOG_PRETTY: 'maybe',
          DATABASE_URL: 'postgres://x',
        },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['DB_PORT', 'JWT_ALGO', 'GIN_MODE', 'LOG_PRETTY'])
        expect(problems).toContain(name);
    }
  });
});

describe('demo mode', () => {
  it('is off unless CHAT_DEMO_MODE says otherwise', () => {
    expect(parseEnv(demoEnv, {})).toEqual({ enabled: false, tokenTtlMinutes: 720 });
    expect(parseEnv(demoEnv, { CHAT_DEMO_MODE: 'false' }).enabled).toBe(false);
    expect(parseEnv(demoEnv, { CHAT_DEMO_MODE: 'true', APP_ENV: 'local' }).enabled).toBe(true);
    expect(() => parseEnv(demoEnv, { CHAT_DEMO_MODE: 'maybe' })).toThrow(/CHAT_DEMO_MODE/);
  });

  it("refuses Laravel's production environment", () => {
    expect(() => parseEnv(demoEnv, { CHAT_DEMO_MODE: 'true', APP_ENV: 'production' })).toThrow(
      /CHAT_DEMO_MODE: must not be true when APP_ENV=production/,
    );
    expect(parseEnv(demoEnv, { CHAT_DEMO_MODE: 'false', APP_ENV: 'production' }).enabled).toBe(
      false,
    );
  });

  it('needs a private key to sign with when the algorithm is asymmetric', () => {
    expect(() => parseEnv(demoEnv, { CHAT_DEMO_MODE: 'true', JWT_ALGO: 'RS256' })).toThrow(
      /JWT_PRIVATE_KEY, which RS256 needs/,
    );
    expect(
      parseEnv(demoEnv, { CHAT_DEMO_MODE: 'true', JWT_ALGO: 'RS256', JWT_PRIVATE_KEY: 'pem' })
        .enabled,
    ).toBe(true);
  });
});
