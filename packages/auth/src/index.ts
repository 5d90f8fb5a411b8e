export {
  createAuthenticator,
  type Authenticate,
  type Authenticated,
  type AuthenticatorPorts,
} from './authenticate.js';
export { blacklistRedisConfig, type CacheReader } from './jwt-blacklist.js';
export type { SanctumTokenRow, SanctumTokenStore } from './sanctum.js';
export {
  MAX_TOKEN_LENGTH,
  bearerToken,
  createTokenVerifier,
  parseUserId,
  userModelHash,
  type LaravelClaims,
  type VerifiedToken,
} from './verify-token.js';
export { mintToken, type MintOptions } from './mint-token.js';
export {
  createCredentialCheck,
  type CredentialCheck,
  type CredentialCheckPorts,
  type CredentialRound,
  type CredentialSource,
  type LiveCredentialStore,
  type RevocationReason,
} from './credential-check.js';
