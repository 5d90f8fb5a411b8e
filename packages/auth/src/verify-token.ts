import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@kelisim/config';
import { invalidToken, tokenMessages, unauthenticated } from './auth-errors.js';

/** The claims tymon/jwt-auth (and its php-open-source-saver fork) put in a token. */
export interface LaravelClaims {
  sub: string | number;
  iss?: string;
  iat?: number;
  exp?: number;
  nbf?: number;
  jti?: string;
  prv?: string;
  [k: string]: unknown;
}

export interface VerifiedToken {
  userId: number;
  claims: LaravelClaims;
}

/** Real tokens are a few hundred bytes; anything this large is not worth parsing. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

export function createTokenVerifier(config: JwtConfig): (token: string) => VerifiedToken {
  const key = verificationKey(config);
  const expectedPrv = config.userModel === undefined ? undefined : userModelHash(config.userModel);
  const options: jwt.VerifyOptions = {
    algorithms: [config.algorithm],
    clockTolerance: config.leewaySeconds,
  };

  return (token) => {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
    const claims = checkClaims(verifySignatureAndTimes(token, key, options), expectedPrv);
    return { userId: parseUserIdOrThrow(claims.sub), claims };
  };
}

/** `Authorization: Bearer <token>` → the token; anything else → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** jwt-auth's `prv` claim: sha1 hex of the user model's class name (`App\Models\User`). */
export function userModelHash(userModel: string): string {
  return createHash('sha1').update(userModel, 'utf8').digest('hex');
}

/** A user id as Laravel puts it in `sub`: a positive integer, as a number or a decimal string. */
export function parseUserId(value: unknown): number | undefined {
  if (typeof value === 'number') return isPositiveSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !/^[1-9][0-9]*$/.test(value)) return undefined;
  const id = Number(value);
  return isPositiveSafeInteger(id) ? id : undefined;
}

function isPositiveSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/**
 * jwt-auth uses JWT_SECRET as plain text; handing jsonwebtoken a KeyObject stops it from reading
 * a PEM-shaped secret as a public key.
 */
function verificationKey(config: JwtConfig): KeyObject {
  if (config.algorithm.startsWith('HS')) {
    if (!config.secret) {
      throw new Error(`JWT secret is empty: ${config.algorithm} needs JWT_SECRET.`);
    }
    return createSecretKey(Buffer.from(config.secret, 'utf8'));
  }
  if (!config.publicKey) {
    throw new Error(`${config.algorithm} needs a public key (JWT_PUBLIC_KEY).`);
  }
  return createPublicKey(config.publicKey);
}

function verifySignatureAndTimes(
  token: string,
  key: KeyObject,
  options: jwt.VerifyOptions,
): unknown {
  try {
    return jwt.verify(token, key, options);
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw unauthenticated(tokenMessages.expired, error);
    if (error instanceof jwt.NotBeforeError) {
      throw unauthenticated(tokenMessages.notYetValid, error);
    }
    throw invalidToken(error);
  }
}

/** jsonwebtoken has already checked the signature, and exp/nbf when present. */
function checkClaims(payload: unknown, expectedPrv: string | undefined): LaravelClaims {
  if (!isRecord(payload) || typeof payload.exp !== 'number') throw invalidToken();
  if (expectedPrv !== undefined && payload.prv !== expectedPrv) throw invalidToken();
  if (typeof payload.sub !== 'string' && typeof payload.sub !== 'number') throw invalidToken();
  return payload as LaravelClaims;
}

function parseUserIdOrThrow(sub: unknown): number {
  const userId = parseUserId(sub);
  if (userId === undefined) throw invalidToken();
  return userId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
