import { createPrivateKey, createSecretKey, randomInt, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@kelisim/config';
import { parseUserId, userModelHash } from './verify-token.js';

export interface MintOptions {
  /** Defaults to `config.ttlMinutes`. */
  ttlMinutes?: number;
  now?: Date;
  /** Merged last, so they override the standard claims; a claim set to `undefined` is removed. */
  claims?: Record<string, unknown>;
}

const JTI_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A token shaped like the ones tymon/jwt-auth issues at `POST /api/auth/login`. */
export function mintToken(
  config: JwtConfig,
  userId: number | string,
  options: MintOptions = {},
): string {
  if (parseUserId(userId) === undefined) {
    throw new Error(`User id must be a positive integer, got ${JSON.stringify(userId)}.`);
  }
  const payload = withoutUndefined({
    ...laravelClaims(config, String(userId), options),
    ...options.claims,
  });
  return jwt.sign(payload, signingKey(config), {
    algorithm: config.algorithm,
    header: { typ: 'JWT', alg: config.algorithm },
    // jsonwebtoken keeps a payload `iat` but adds one when absent; only a forged token omits it.
    noTimestamp: !('iat' in payload),
  });
}

function laravelClaims(
  config: JwtConfig,
  sub: string,
  options: MintOptions,
): Record<string, unknown> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const ttlMinutes = options.ttlMinutes ?? config.ttlMinutes;
  return {
    iss: `${config.issuer}/api/auth/login`,
    iat,
    exp: iat + ttlMinutes * 60,
    nbf: iat,
    jti: randomJti(),
    sub,
    ...(config.userModel === undefined ? {} : { prv: userModelHash(config.userModel) }),
  };
}

/** Like Laravel's Str::random(16), which jwt-auth uses for `jti`. */
function randomJti(length = 16): string {
  return Array.from({ length }, () => JTI_ALPHABET[randomInt(JTI_ALPHABET.length)]).join('');
}

function signingKey(config: JwtConfig): KeyObject {
  if (config.algorithm.startsWith('HS')) {
    if (!config.secret) {
      throw new Error(`Cannot mint ${config.algorithm} tokens: JWT_SECRET is empty.`);
    }
    return createSecretKey(Buffer.from(config.secret, 'utf8'));
  }
  if (!config.privateKey) {
    throw new Error(
      `Cannot mint ${config.algorithm} tokens: no private key (set JWT_PRIVATE_KEY).`,
    );
  }
  return createPrivateKey(config.privateKey);
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
