import { ConfigError } from '@kelisim/config';

/**
 * Runs a process's `main`: a configuration problem prints what is wrong (not a stack trace),
 * any other startup failure prints its stack; both exit 1.
 */
export function runService(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee env.example for every setting.\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${name} failed to start: ${detail}\n`);
    }
    process.exit(1);
  });
}
