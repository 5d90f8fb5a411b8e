import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@kelisim/config';
import { AppError } from '@kelisim/contracts';
import { mintToken } from './mint-token.js';
import { bearerToken, createTokenVerifier } from './verify-token.js';

const SECRET = 'test-secret-0123456789';
const USER_MODEL = 'App\\Models\\User';

function hsConfig(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    secret: SECRET,
    algorithm: 'HS256',
    leewaySeconds: 0,
    ttlMinutes: 60,
    issuer: 'http://localhost',
    ...overrides,
  };
}

function rsaKeyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const json = (value: unknown) => base64url(JSON.stringify(value));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);

function hmacSigned(
  header: object,
  payload: object,
  secret: string | Buffer,
  hash = 'sha256',
): string {
  const signingInput = `${json(header)}.${json(payload)}`;
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest('base64url')}`;
}

function rejectionOf(verify: (token: string) => unknown, token: string): AppError {
  try {
    verify(token);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the token to be rejected');
}

function expectRejected(
  verify: (token: string) => unknown,
  token: string,
  message = 'Token is invalid.',
) {
  const error = rejectionOf(verify, token);
  expect(error.code).toBe('unauthenticated');
  expect(error.message).toBe(message);
}

describe('createTokenVerifier', () => {
  const verify = createTokenVerifier(hsConfig());

  it('accepts a minted token and yields the numeric user id', () => {
    const { userId, claims } = verify(mintToken(hsConfig(), 42));
    expect(userId).toBe(42);
    expect(claims.sub).toBe('42');
  });

  it('accepts sub given as an integer', () => {
    expect(verify(mintToken(hsConfig(), 1, { claims: { sub: 42 } })).userId).toBe(42);
  });

  it('accepts a token built by hand exactly like jwt-auth output', () => {
    const iat = nowSeconds();
    const header = { typ: 'JWT', alg: 'HS256' };
    const payload = {
      iss: 'http://localhost/api/auth/login',
      iat,
      exp: iat + 3600,
      nbf: iat,
      jti: 'Ab3dEf6hIj9kLm2n',
      sub: '17',
      prv: createHash('sha1').update(USER_MODEL).digest('hex'),
    };
    const token = hmacSigned(header, payload, SECRET);

    const verified = createTokenVerifier(hsConfig({ userModel: USER_MODEL }))(token);

    expect(verified.userId).toBe(17);
    expect(verified.claims).toEqual(payload);
  });

  it('rejects an alg:none token', () => {
    const payload = { sub: '1', iat: nowSeconds(), exp: nowSeconds() + 3600 };
    expectRejected(verify, `${json({ alg: 'none', typ: 'JWT' })}.${json(payload)}.`);
  });

  it('rejects a token signed with a different secret', () => {
    expectRejected(verify, mintToken(hsConfig({ secret: 'another-secret' }), 1));
  });

  it('rejects an HS512 token when HS256 is configured', () => {
    expectRejected(verify, mintToken(hsConfig({ algorithm: 'HS512' }), 1));
  });

  it('rejects an HS256 token signed with the RS256 public key as HMAC secret (key confusion)', () => {
    const { publicKey } = rsaKeyPair();
    const verifyRs = createTokenVerifier(hsConfig({ algorithm: 'RS256', secret: '', publicKey }));
    const payload = { sub: '1', iat: nowSeconds(), exp: nowSeconds() + 3600 };
    expectRejected(verifyRs, hmacSigned({ typ: 'JWT', alg: 'HS256' }, payload, publicKey));
  });

  it('rejects an RS256 token when the configured HS256 secret is its public key', () => {
    const { publicKey, privateKey } = rsaKeyPair();
    const token = mintToken(hsConfig({ algorithm: 'RS256', privateKey }), 1);
    expectRejected(createTokenVerifier(hsConfig({ secret: publicKey })), token);
  });

  it('uses a PEM-shaped HS256 secret as plain text, like jwt-auth', () => {
    const { publicKey } = rsaKeyPair();
    const pemSecretConfig = hsConfig({ secret: publicKey });
    expect(createTokenVerifier(pemSecretConfig)(mintToken(pemSecretConfig, 2)).userId).toBe(2);
  });

  it('verifies RS256 tokens with a generated key pair', () => {
    const { publicKey, privateKey } = rsaKeyPair();
    const token = mintToken(hsConfig({ algorithm: 'RS256', secret: '', privateKey }), 5);
    expect(
      createTokenVerifier(hsConfig({ algorithm: 'RS256', secret: '', publicKey }))(token).userId,
    ).toBe(5);
  });

  it('verifies ES256 tokens with a generated key pair', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const token = mintToken(hsConfig({ algorithm: 'ES256', secret: '', privateKey }), 6);
    expect(
      createTokenVerifier(hsConfig({ algorithm: 'ES256', secret: '', publicKey }))(token).userId,
    ).toBe(6);
  });

  it('rejects an expired token with the expired message', () => {
    const token = mintToken(hsConfig(), 1, { now: secondsAgo(120), ttlMinutes: 1 });
    expectRejected(verify, token, 'Token has expired.');
  });

  it('accepts a token expired 5 s ago with a 10 s leeway', () => {
    const token = mintToken(hsConfig(), 1, { now: secondsAgo(65), ttlMinutes: 1 });
    expectRejected(verify, token, 'Token has expired.');
    expect(createTokenVerifier(hsConfig({ leewaySeconds: 10 }))(token).userId).toBe(1);
  });

  it('rejects a token whose nbf is in the future', () => {
    const token = mintToken(hsConfig(), 1, { claims: { nbf: nowSeconds() + 60 } });
    expectRejected(verify, token, 'Token is not yet valid.');
  });

  it('rejects a token without exp', () => {
    expectRejected(verify, mintToken(hsConfig(), 1, { claims: { exp: undefined } }));
  });

  it.each([
    ['missing', undefined],
    ['"abc"', 'abc'],
    ['"0"', '0'],
    ['-3', -3],
    ['1.5', 1.5],
    ['"42abc"', '42abc'],
    ['an object', { id: 1 }],
  ])('rejects sub %s', (_label, sub) => {
    expectRejected(verify, mintToken(hsConfig(), 1, { claims: { sub } }));
  });

  it('rejects a prv that does not match the configured user model', () => {
    const verifyLocked = createTokenVerifier(hsConfig({ userModel: USER_MODEL }));
    expectRejected(verifyLocked, mintToken(hsConfig({ userModel: 'App\\Models\\Admin' }), 1));
    expectRejected(verifyLocked, mintToken(hsConfig(), 1));
  });

  it("accepts a prv equal to sha1('App\\Models\\User') when that model is configured", () => {
    const prv = createHash('sha1').update('App\\Models\\User').digest('hex');
    const token = mintToken(hsConfig(), 3, { claims: { prv } });
    expect(createTokenVerifier(hsConfig({ userModel: USER_MODEL }))(token).userId).toBe(3);
  });

  it('ignores prv when no user model is configured', () => {
    expect(verify(mintToken(hsConfig(), 4, { claims: { prv: 'anything' } })).userId).toBe(4);
  });

  it.each([
    '',
    'garbage',
    'a.b.c',
    '..',
    'eyJhbGciOiJIUzI1NiJ9.e30.',
    `${json({ alg: 'HS256' })}.bm90IGpzb24.c2ln`,
  ])('rejects the garbage string %j', (token) => {
    expectRejected(verify, token);
  });

  it('rejects a validly signed token whose payload is not a JSON object', () => {
    expectRejected(verify, jwt.sign('"just a string"', SECRET, { algorithm: 'HS256' }));
  });

  it('rejects a 10 KB token before parsing it', () => {
    const token = mintToken(hsConfig(), 1, { claims: { padding: 'x'.repeat(10 * 1024) } });
    expect(token.length).toBeGreaterThan(10 * 1024);
    const error = rejectionOf(verify, token);
    expect(error.message).toBe('Token is invalid.');
    expect(error.cause).toBeUndefined();
  });

  it('never echoes the token in its error', () => {
    const token = mintToken(hsConfig({ secret: 'another-secret' }), 1);
    const error = rejectionOf(verify, token);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(
      token.split('.')[1],
    );
  });

  it('refuses to build a verifier without key material', () => {
    expect(() => createTokenVerifier(hsConfig({ secret: '' }))).toThrow(/JWT_SECRET/);
    expect(() => createTokenVerifier(hsConfig({ algorithm: 'RS256' }))).toThrow(/JWT_PUBLIC_KEY/);
  });
});

describe('bearerToken', () => {
  it("extracts the token from 'Bearer x'", () => {
    expect(bearerToken('Bearer x')).toBe('x');
  });

  it("accepts a lower-case scheme and extra spaces: 'bearer  x '", () => {
    expect(bearerToken('bearer  x ')).toBe('x');
  });

  it("returns undefined for 'Basic x'", () => {
    expect(bearerToken('Basic x')).toBeUndefined();
  });

  it('returns undefined for a missing header', () => {
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it("returns undefined for 'Bearer ' without a token", () => {
    expect(bearerToken('Bearer ')).toBeUndefined();
  });
});
