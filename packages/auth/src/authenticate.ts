import type { JwtConfig } from '@kelisim/config';
import { invalidToken, tokenMessages, unauthenticated } from './auth-errors.js';
import { createJwtBlacklist, type CacheReader } from './jwt-blacklist.js';
import { createSanctumVerifier, parseSanctumToken, type SanctumTokenStore } from './sanctum.js';
import { createTokenVerifier, MAX_TOKEN_LENGTH } from './verify-token.js';

export interface Authenticated {
  userId: number;
  kind: 'jwt' | 'sanctum';
  /** The JWT's `exp`, or the Sanctum token's expiry when it has one. */
  expiresAt?: Date;
  /** The JWT's `jti`, when it has one (the blacklist's key). */
  jti?: string;
  /** The `personal_access_tokens` row of a Sanctum token. */
  sanctumTokenId?: bigint;
}

/** A bearer token (jwt-auth JWT or Sanctum `id|token`) → its user; rejects with an `AppError`. */
export type Authenticate = (token: string) => Promise<Authenticated>;

export interface AuthenticatorPorts {
  /** Laravel's cache Redis; required when `config.blacklist.enabled`. */
  laravelCache?: CacheReader;
  /** Laravel's `personal_access_tokens`; required when `config.sanctum.enabled`. */
  sanctumTokens?: SanctumTokenStore;
  now?: () => Date;
}

/**
 * The one token check behind REST and socket handshakes. Whether the user still exists in `users`
 * is the caller's next step.
 */
export function createAuthenticator(
  config: JwtConfig,
  ports: AuthenticatorPorts = {},
): Authenticate {
  const verifyJwt = createTokenVerifier(config);
  const now = ports.now ?? (() => new Date());
  const blacklist = config.blacklist?.enabled
    ? createJwtBlacklist(required(ports.laravelCache, 'JWT_BLACKLIST_ENABLED'), config.blacklist)
    : undefined;
  const verifySanctum = config.sanctum?.enabled
    ? createSanctumVerifier(config.sanctum, required(ports.sanctumTokens, 'SANCTUM_ENABLED'))
    : undefined;

  return async (token) => {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
    const sanctumToken = verifySanctum && parseSanctumToken(token);
    if (verifySanctum && sanctumToken) {
      const { userId, tokenId, expiresAt } = await verifySanctum(sanctumToken, now());
      return {
        userId,
        kind: 'sanctum',
        sanctumTokenId: tokenId,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      };
    }
    const { userId, claims } = verifyJwt(token);
    if (blacklist) {
      // jwt-auth requires `jti` whenever its blacklist is on; without one a token is unrevocable.
      if (typeof claims.jti !== 'string' || claims.jti === '') throw invalidToken();
      if (await blacklist.isBlacklisted(claims.jti, now())) {
        throw unauthenticated(tokenMessages.blacklisted);
      }
    }
    return {
      userId,
      kind: 'jwt',
      ...(typeof claims.exp === 'number' ? { expiresAt: new Date(claims.exp * 1000) } : {}),
      ...(typeof claims.jti === 'string' && claims.jti !== '' ? { jti: claims.jti } : {}),
    };
  };
}

function required<T>(port: T | undefined, setting: string): T {
  if (port === undefined) throw new Error(`${setting} is on but no implementation was given.`);
  return port;
}
