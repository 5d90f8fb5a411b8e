import { randomBytes } from 'node:crypto';
import type { JwtConfig } from '@kelisim/config';
import { mintToken } from '@kelisim/auth';
import type { Db } from '@kelisim/db';

export const testJwtConfig: JwtConfig = {
  secret: 'kelisim-test-secret-of-at-least-32-bytes',
  algorithm: 'HS256',
  leewaySeconds: 0,
  ttlMinutes: 60,
  issuer: 'http://localhost',
};

export interface TestUser {
  id: number;
  name: string;
  email: string;
}

/** A row in Laravel's `users`, shaped as Laravel's registration would write it. */
export async function createUser(db: Db, name = 'User'): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomBytes(4).toString('hex')}@example.test`;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const user = await db.user.create({
    data: {
      name,
      email,
      password: '$2y$12$Qd0m0Ck8D4kqYl1zjJZb3uq8C9u1c3o1o5H8yP3sQ0yJq0Z3m4m5a',
      createdAt: now,
      updatedAt: now,
    },
  });
  return { id: Number(user.id), name, email };
}

export async function createUsers(db: Db, count: number, prefix = 'User'): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 1; i <= count; i++) users.push(await createUser(db, `${prefix} ${i}`));
  return users;
}

export function tokenFor(userId: number, claims: Record<string, unknown> = {}): string {
  return mintToken(testJwtConfig, userId, { claims });
}
