import { z } from 'zod';
import { idSchema, limitSchema } from './primitives.js';
import { userSummarySchema, type UserSummary } from './resources.js';

export const maxUserSearchLength = 100;

/** The signed-in user (`GET /api/me`), and a demo user (`GET /api/demo/users`). */
export const userProfileSchema = z.object({ id: z.number(), name: z.string(), email: z.string() });

/** `GET /api/users`: other users are listed by id and name only, never by email. */
export const userListItemSchema = userSummarySchema;

/**
 * `?search=` matches a name containing the text, or an email equal to it (never part of an email);
 * blank means "no filter".
 * `?limit=` defaults to 20, values above 50 are clamped, garbage is a 422.
 */
export const usersQuery = z.object({
  search: z
    .string()
    .trim()
    .max(
      maxUserSearchLength,
      `The search may not be longer than ${maxUserSearchLength} characters.`,
    )
    .optional()
    .transform((s) => (s === '' ? undefined : s)),
  limit: limitSchema(20, 50),
});

export const demoTokenBody = z.object({ user_id: idSchema });

export const userIdParams = z.object({ id: idSchema });

/** A user I blocked (`GET /api/blocks`, `POST /api/users/:id/block`). */
export const blockResourceSchema = z.object({
  user: userSummarySchema,
  created_at: z.string(),
});

export const demoTokenResourceSchema = z.object({ token: z.string(), user: userProfileSchema });

export type UserProfile = z.infer<typeof userProfileSchema>;
export type UserListItem = UserSummary;
export type UsersQuery = z.infer<typeof usersQuery>;
export type DemoTokenResource = z.infer<typeof demoTokenResourceSchema>;
export type BlockResource = z.infer<typeof blockResourceSchema>;
