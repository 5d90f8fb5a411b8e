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
