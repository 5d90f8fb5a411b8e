/**
 * `pnpm seed:demo`: demo users, a group chat and two direct chats with a few messages, in the
 * database of DB_* / DATABASE_URL (from the environment or .env). Safe to run again.
 */
import { z } from 'zod';
import { ConfigError, databaseEnv, envInt, loadDotEnv, parseEnvSections } from '@kelisim/config';
import { createDb } from '@kelisim/db';
import { NotMigratedError, seedDemo } from '../seed-demo.js';

const portEnv = z.object({ PORT: envInt({ min: 0, max: 65535, default: 8080 }) });

async function main(): Promise<void> {
  loadDotEnv();
  const config = parseEnvSections({ database: databaseEnv, server: portEnv }, process.env);
  const { host, port, database } = config.database;
  console.log(`Seeding demo data into ${database} on ${host}:${port}...`);
  const db = createDb(config.database);
  try {
    const result = await seedDemo(db, (line) => console.log(`  ${line}`));
    console.log(
      `Done: ${result.users.created} users created (${result.users.existing} already there), ` +
        `${result.chats.created} chats created (${result.chats.existing} already there), ` +
        `${result.messages} messages sent.`,
    );
    const url = `http://localhost:${config.server.PORT || 8080}`;
    console.log(`Start with CHAT_DEMO_MODE=true pnpm start and open ${url}`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  if (error instanceof NotMigratedError) {
    console.error(`${error.message} Run \`pnpm migrate\` first, then \`pnpm seed:demo\` again.`);
  } else if (error instanceof ConfigError) {
    console.error(`${error.message}\nSee env.example for every setting.`);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
});
