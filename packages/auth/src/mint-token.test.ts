import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JwtConfig } from '@kelisim/config';
import { mintToken } from './mint-token.js';
import { createTokenVerifier } from './verify-token.js';

const config: JwtConfig = {
  secret: 'test-secret',
  algorithm: 'HS256',
  leewaySeconds: 0,
  ttlMinutes: 60,
  issuer: 'https://chat.example.com',
};

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('mintToken', () => {
  it('produces the header and claims jwt-auth issues', () => {
    const now = new Date('2030-01-02T03:04:05Z');
    const iat = Math.floor(now.getTime() / 1000);

    const token = mintToken(config, 42, { now });

    expect(decodePart(token, 0)).toEqual({ typ: 'JWT', alg: 'HS256' });
    const { jti, ...claims } = decodePart(token, 1);
    expect(claims).toEqual({
      iss: 'https://chat.example.com/api/auth/login',
      iat,
      exp: iat + 60 * 60,
      nbf: iat,
      sub: '42',
    });
    expect(jti).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('adds prv as sha1 of the user model when one is configured', () => {
    const token = mintToken({ ...config, userModel: 'App\\Models\\User' }, 1);
    const prv = createHash('sha1').update('App\\Models\\User').digest('hex');
    expect(decodePart(token, 1).prv).toBe(prv);
  });

  it('honours the ttlMinutes option', () => {
    const claims = decodePart(mintToken(config, 1, { ttlMinutes: 5 }), 1);
    expect(claims.exp).toBe(Number(claims.iat) + 5 * 60);
  });

  it('gives every token its own jti', () => {
    const jti = (token: string) => decodePart(token, 1).jti;
    expect(jti(mintToken(config, 1))).not.toBe(jti(mintToken(config, 1)));
  });

  it('merges extra claims last and drops the ones set to undefined', () => {
    const claims = decodePart(
      mintToken(config, 1, { claims: { sub: 'abc', role: 'admin', jti: undefined } }),
      1,
    );
    expect(claims.sub).toBe('abc');
    expect(claims.role).toBe('admin');
    expect(claims).not.toHaveProperty('jti');
  });

  it('accepts the user id as a decimal string', () => {
    expect(createTokenVerifier(config)(mintToken(config, '9')).userId).toBe(9);
  });

  it.each([0, -1, 1.5, 'abc', ''])('refuses to mint for the user id %j', (userId) => {
    expect(() => mintToken(config, userId)).toThrow(/positive integer/);
  });

  it('signs RS256 tokens with the private key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const rsConfig: JwtConfig = {
      ...config,
      algorithm: 'RS256',
      secret: '',
      publicKey,
      privateKey,
    };
    const token = mintToken(rsConfig, 8);
    expect(decodePart(token, 0)).toEqual({ typ: 'JWT', alg: 'RS256' });
    expect(createTokenVerifier(rsConfig)(token).userId).toBe(8);
  });

  it('throws a clear error when an RS256 config has no private key', () => {
    expect(() => mintToken({ ...config, algorithm: 'RS256' }, 1)).toThrow(/JWT_PRIVATE_KEY/);
  });

  it('throws a clear error when an HS256 config has no secret', () => {
    expect(() => mintToken({ ...config, secret: '' }, 1)).toThrow(/JWT_SECRET/);
  });
});
