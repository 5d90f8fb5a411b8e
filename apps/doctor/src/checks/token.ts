import { createTokenVerifier, mintToken, userModelHash, type VerifiedToken } from '@kelisim/auth';
import type { JwtConfig } from '@kelisim/config';
import { fail, pass, warn, type CheckResult } from '../report.js';
import { firstLine } from './database.js';

const name = 'Token';
/** User models Laravel apps commonly sign `prv` with, to name the one a token carries. */
const knownUserModels = ['App\\Models\\User', 'App\\User'];
/** A clock tolerance so large that only the signature and the claims' shape are checked. */
const anyTime = 100 * 365 * 24 * 3600;

/** Finds a user in `users` by id; undefined when the database cannot be asked. */
export type UserLookup = (id: number) => Promise<{ name: string } | null>;

/**
 * With a token Laravel issued: does it verify here exactly as the services verify it (algorithm,
 * secret or public key, `prv`, `exp`/`nbf` with the leeway), and does its user exist? Without
 * one: does a token minted with this configuration verify (only proves self-consistency).
 */
export async function checkToken(
  config: JwtConfig,
  token: string | undefined,
  findUser: UserLookup | undefined,
): Promise<CheckResult> {
  return token === undefined ? checkRoundTrip(config) : checkLaravelToken(config, token, findUser);
}

function checkRoundTrip(config: JwtConfig): CheckResult {
  const fix =
    'this only proves the settings agree with themselves: run `pnpm run doctor --token <a token Laravel issued>` to check them against Laravel';
  let minted: string;
  try {
    minted = mintToken(config, 1);
  } catch (error) {
    return warn(name, `cannot mint a test token (${firstLine(error)})`, fix);
  }
  try {
    createTokenVerifier(config)(minted);
  } catch (error) {
    return fail(
      name,
      `a token minted with this configuration does not verify (${firstLine(error)})`,
      'check JWT_ALGO, JWT_SECRET or JWT_PUBLIC_KEY/JWT_PRIVATE_KEY (they must be a pair)',
    );
  }
  return warn(name, `a token minted with ${describeSettings(config)} verifies`, fix);
}

async function checkLaravelToken(
  config: JwtConfig,
  token: string,
  findUser: UserLookup | undefined,
): Promise<CheckResult> {
  const decoded = decode(token);
  if (!decoded) {
    return fail(
      name,
      'the --token value is not a JWT',
      'pass the token exactly as Laravel issued it',
    );
  }
  const alg = decoded.header.alg;
  if (alg !== config.algorithm) {
    return fail(
      name,
      `the token is signed with ${String(alg)}, JWT_ALGO is ${config.algorithm}`,
      `set JWT_ALGO=${String(alg)} (Laravel's JWT_ALGO)`,
    );
  }
  const signature = verifyWith({ ...config, leewaySeconds: anyTime, userModel: undefined }, token);
  if ('error' in signature) {
    const reason = firstLine((signature.error as { cause?: unknown }).cause ?? signature.error);
    return /signature/i.test(reason)
      ? fail(
          name,
          `the signature does not verify with ${keyName(config)} (${reason})`,
          config.algorithm.startsWith('HS')
            ? "copy JWT_SECRET from Laravel's .env exactly (jwt-auth uses it as plain text)"
            : "set JWT_PUBLIC_KEY to the public half of Laravel's JWT_PRIVATE_KEY",
        )
      : fail(
          name,
          `the token is not shaped like jwt-auth's (${reason}: it needs exp and a numeric sub)`,
          'pass a token issued by jwt-auth',
        );
  }
  const verified = verifyWith(config, token);
  if ('error' in verified) return describeClaimFailure(config, decoded.payload);

  const details: string[] = [];
  const prv = decoded.payload.prv;
  if (config.userModel === undefined && typeof prv === 'string') {
    const model = knownUserModels.find((m) => userModelHash(m) === prv);
    details.push(
      `prv is not checked: set JWT_USER_MODEL=${model ?? '<the class of your users provider>'} to refuse tokens of other providers`,
    );
  }
  const userId = verified.value.userId;
  if (!findUser) {
    details.push('the user was not looked up: the database is not reachable');
    return pass(
      name,
      `a token from Laravel verifies (${describeSettings(config)}), user ${userId}`,
      details,
    );
  }
  const user = await findUser(userId);
  if (!user) {
    return fail(
      name,
      `the token verifies, but its user ${userId} is not in users`,
      "tokens of users missing from users are refused: use a token of an existing user, or check DB_DATABASE is Laravel's database",
      details,
    );
  }
  return pass(
    name,
    `a token from Laravel verifies (${describeSettings(config)}), user ${userId} (${user.name}) exists`,
    details,
  );
}

function describeClaimFailure(config: JwtConfig, payload: Record<string, unknown>): CheckResult {
  const now = Math.floor(Date.now() / 1000);
  const at = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();
  if (typeof payload.exp === 'number' && payload.exp + config.leewaySeconds <= now) {
    return fail(
      name,
      `the signature is right, but the token expired at ${at(payload.exp)}`,
      'get a fresh token from Laravel and run again',
    );
  }
  if (typeof payload.nbf === 'number' && payload.nbf - config.leewaySeconds > now) {
    return fail(
      name,
      `the signature is right, but the token is not valid before ${at(payload.nbf)}`,
      "this machine's clock is behind Laravel's: sync both with NTP, or allow skew with JWT_LEEWAY",
    );
  }
  if (config.userModel !== undefined && payload.prv !== userModelHash(config.userModel)) {
    const model = knownUserModels.find((m) => userModelHash(m) === payload.prv);
    return fail(
      name,
      `the signature is right, but prv is not sha1 of JWT_USER_MODEL=${config.userModel}`,
      model
        ? `set JWT_USER_MODEL=${model}`
        : 'set JWT_USER_MODEL to the class of the users provider Laravel signs with (or unset it)',
    );
  }
  return fail(name, 'the signature is right, but the token is refused', 'check its claims');
}

function verifyWith(
  config: JwtConfig,
  token: string,
): { value: VerifiedToken } | { error: unknown } {
  try {
    return { value: createTokenVerifier(config)(token) };
  } catch (error) {
    return { error };
  }
}

function decode(
  token: string,
): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const [header, payload, signature] = token.trim().split('.');
  if (!header || !payload || signature === undefined) return undefined;
  try {
    const json = (part: string) =>
      JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    const parsed = [json(header), json(payload)];
    if (!parsed.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p)))
      return undefined;
    return {
      header: parsed[0] as Record<string, unknown>,
      payload: parsed[1] as Record<string, unknown>,
    };
  } catch {
    return undefined;
  }
}

function keyName(config: JwtConfig): string {
  return config.algorithm.startsWith('HS') ? 'JWT_SECRET' : 'JWT_PUBLIC_KEY';
}

function describeSettings(config: JwtConfig): string {
  const prv = config.userModel === undefined ? '' : `, prv of ${config.userModel}`;
  return `${config.algorithm} and ${keyName(config)}${prv}`;
}
