import type { RequestHandler } from 'express';
import { bearerToken, type Authenticate } from '@kelisim/auth';
import { AppError, type UserSummary } from '@kelisim/contracts';
import { authenticateUser, type Actor } from '@kelisim/domain';
import type { Db } from '@kelisim/db';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      actor: Actor;
      user: UserSummary;
    }
  }
}

/** `Authorization: Bearer <jwt-auth JWT or Sanctum token>`; the user must still be in `users`. */
export function requireUser(db: Db, verifyToken: Authenticate): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new AppError('unauthenticated', 'Unauthenticated.');
    const { userId } = await verifyToken(token);
    res.locals.user = await authenticateUser(db, userId);
    res.locals.actor = { userId, name: res.locals.user.name };
    req.log = req.log.child({ userId });
    next();
  };
}
