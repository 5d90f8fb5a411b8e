import { dotEnvPath, generateMissingJwtSecret, type Env } from '@kelisim/config';
import { runMigrateCommand } from '@kelisim/db';
import { runNode } from '@kelisim/node';
import { parseServerArgs, usageExitCode } from './command-line.js';
import { loadServerConfig } from './config.js';
import { startAllInOne } from './server.js';

const args = parseServerArgs(process.argv.slice(2));
if ('error' in args) {
  process.stderr.write(`${args.error}\n`);
  process.exit(usageExitCode);
}
if (args.migrate) {
  const code = await runMigrateCommand();
  if (code !== 0) process.exit(code);
}

let generatedSecretIn: string | undefined;

runNode({
  service: 'server',
  loadConfig(env: Env) {
    // `npm start` on a fresh checkout: a JWT secret of its own rather than a refusal to start.
    generatedSecretIn = generateMissingJwtSecret(env, dotEnvPath());
    return loadServerConfig(env);
  },
  sockets: 'adapter',
  start(node, config) {
    if (generatedSecretIn) {
      node.logger.warn(
        { file: generatedSecretIn },
        "Generated JWT_SECRET in .env; to accept Laravel's tokens, set JWT_SECRET to the value in Laravel's .env",
      );
    }
    return startAllInOne(node, config);
  },
});
