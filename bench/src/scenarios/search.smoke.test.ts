import { describe, expect, it } from 'vitest';
import { runSearch } from './search.js';

describe('search scenario (smoke)', () => {
  it('finds the Chinese and the English term through the API as MariaDB alone does', async () => {
    const result = await runSearch({ smoke: true });
    for (const term of [result.zh, result.en]) {
      expect(term.hits_first_page).toBeGreaterThan(0);
      expect(term.hits_first_page).toBe(term.sql_hits_first_page);
      expect(term.p95_ms).toBeGreaterThan(0);
    }
    expect(result.scanned_per_query).toBe(2_000);
  });
});
