import { describe, expect, it } from 'vitest';
import { demoTokenBody, usersQuery } from './users.js';

describe('usersQuery', () => {
  it('trims the search, treats a blank one as absent and defaults the limit to 20', () => {
    expect(usersQuery.parse({ search: '  ada ' })).toEqual({ search: 'ada', limit: 20 });
    expect(usersQuery.parse({ search: '   ' })).toEqual({ search: undefined, limit: 20 });
    expect(usersQuery.parse({})).toEqual({ search: undefined, limit: 20 });
  });

  it('clamps the limit to 50 and rejects garbage and over-long searches', () => {
    expect(usersQuery.parse({ limit: '500' }).limit).toBe(50);
    expect(usersQuery.safeParse({ limit: 'ten' }).success).toBe(false);
    expect(usersQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(usersQuery.safeParse({ search: 'x'.repeat(101) }).success).toBe(false);
    expect(usersQuery.safeParse({ search: ['a', 'b'] }).success).toBe(false);
  });
});

describe('demoTokenBody', () => {
  it('accepts a numeric or decimal-string user id', () => {
    expect(demoTokenBody.parse({ user_id: '7' })).toEqual({ user_id: 7 });
    expect(demoTokenBody.safeParse({ user_id: 'seven' }).success).toBe(false);
    expect(demoTokenBody.safeParse({}).success).toBe(false);
  });
});
