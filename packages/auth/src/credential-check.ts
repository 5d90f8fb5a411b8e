import type { JwtConfig } from '@kelisim/config';
import type { AuthRevokedReason } from '@kelisim/contracts';
import type { Authenticated } from './authenticate.js';
import { createJwtBlacklist, type CacheReader } from './jwt-blacklist.js';

/** Why a credential that was accepted is no longer good. */
export type RevocationReason = AuthRevokedReason;

export type CredentialSource = 'blacklist' | 'sanctum' | 'users';

/** The rows a re-check reads from MySQL, one query per table for a whole round. */
export interface LiveCredentialStore {
  existingUserIds(ids: readonly number[]): Promise<number[]>;
  existingSanctumTokenIds(ids: readonly bigint[]): Promise<bigint[]>;
}

export interface CredentialCheckPorts {
  /** Laravel's cache Redis; required when `config.blacklist.enabled`. */
  laravelCache?: CacheReader;
  store: LiveCredentialStore;
  now?: () => Date;
}

export interface CredentialRound<C extends Authenticated> {
  revoked: Map<C, RevocationReason>;
  /** Lookups that failed this round; the credentials they cover count as still good. */
  failed: { source: CredentialSource; error: unknown }[];
}

export interface CredentialCheck {
  /** When a credential stops being accepted: its expiry, plus JWT_LEEWAY for a JWT. */
  acceptedUntil(credential: Authenticated): Date | undefined;
  /**
   * Re-checks credentials accepted earlier, all at once: one MGET for the blacklisted `jti`s (one
   * GET before it in `namespace` tag mode), one query for Sanctum tokens, one for users.
   */
  revoked<C extends Authenticated>(credentials: readonly C[]): Promise<CredentialRound<C>>;
}

export function createCredentialCheck(
  config: JwtConfig,
  ports: CredentialCheckPorts,
): CredentialCheck {
  const now = ports.now ?? (() => new Date());
  const blacklist =
    config.blacklist?.enabled && ports.laravelCache
      ? createJwtBlacklist(ports.laravelCache, config.blacklist)
      : undefined;
  if (config.blacklist?.enabled && !blacklist) {
    throw new Error('JWT_BLACKLIST_ENABLED is on but no Laravel cache reader was given.');
  }

  return {
    acceptedUntil({ kind, expiresAt }) {
      if (expiresAt === undefined) return undefined;
      const leewayMs = kind === 'jwt' ? config.leewaySeconds * 1000 : 0;
      return new Date(expiresAt.getTime() + leewayMs);
    },

    async revoked(credentials) {
      const jtis = blacklist
        ? unique(credentials.flatMap((c) => (c.kind === 'jwt' && c.jti ? [c.jti] : [])))
        : [];
      const tokenIds = unique(
        credentials.flatMap((c) => (c.sanctumTokenId === undefined ? [] : [c.sanctumTokenId])),
      );
      const userIds = unique(credentials.map((c) => c.userId));
      const at = now();
      const [blacklisted, sanctumTokens, users] = await Promise.allSettled([
        blacklist && jtis.length > 0 ? blacklist.blacklisted(jtis, at) : new Set<string>(),
        tokenIds.length === 0
          ? new Set<bigint>()
          : ports.store.existingSanctumTokenIds(tokenIds).then((ids) => new Set(ids)),
        userIds.length === 0
          ? new Set<number>()
          : ports.store.existingUserIds(userIds).then((ids) => new Set(ids)),
      ]);

      const failed: CredentialRound<never>['failed'] = [];
      const settled = <T>(source: CredentialSource, result: PromiseSettledResult<T>) => {
        if (result.status === 'fulfilled') return result.value;
        failed.push({ source, error: result.reason });
        return undefined;
      };
      const loggedOut = settled('blacklist', blacklisted);
      const liveTokens = settled('sanctum', sanctumTokens);
      const liveUsers = settled('users', users);

      const revoked = new Map<(typeof credentials)[number], RevocationReason>();
      for (const credential of credentials) {
        const { userId, jti, sanctumTokenId } = credential;
        if (liveUsers && !liveUsers.has(userId)) revoked.set(credential, 'user_deleted');
        else if (liveTokens && sanctumTokenId !== undefined && !liveTokens.has(sanctumTokenId)) {
          revoked.set(credential, 'token_revoked');
        } else if (loggedOut && jti !== undefined && loggedOut.has(jti)) {
          revoked.set(credential, 'logged_out');
        }
      }
      return { revoked, failed };
    },
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
