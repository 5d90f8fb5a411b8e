import { ConfigError, StartupError } from '@kelisim/config';

/**
 * Runs a process's `main`: a configuration problem prints what is wrong and an unreachable
 * dependency its one sentence (not a stack trace); any other startup failure prints its stack.
 * All exit 1.
 */
export function runService(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee env.example for every setting.\n`);
    } else if (error instanceof StartupError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${name} failed to start: ${detail}\n`);
    }
    process.exit(1);
  });
}
