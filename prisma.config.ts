import { defineConfig } from 'prisma/config';

// Only `prisma generate`/`validate`/`format` are used by this project; migrations are applied
// by `pnpm migrate`. The URL is needed by operators who run `prisma migrate status` themselves.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/kelisim',
  },
});
