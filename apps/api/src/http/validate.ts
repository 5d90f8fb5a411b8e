import type { z } from 'zod';
import { AppError, type FieldErrors } from '@kelisim/contracts';

/** Parses a request part with its contract schema; failures become a Laravel-shaped 422. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.join('.') || 'body';
    (errors[field] ??= []).push(issue.message);
  }
  throw AppError.validation(errors);
}
