/**
 * The server's command line: the Go service's `-migrate` (also spelled `--migrate`) applies the
 * pending migrations before the node starts. Anything else is refused with exit code 2.
 */
export interface ServerArgs {
  migrate: boolean;
}

export const migrateFlags: readonly string[] = ['-migrate', '--migrate'];

/** The parsed arguments, or the one sentence that refuses them. */
export function parseServerArgs(args: readonly string[]): ServerArgs | { error: string } {
  const unknown = args.find((arg) => !migrateFlags.includes(arg));
  if (unknown !== undefined) {
    return {
      error: `Unknown argument ${JSON.stringify(unknown)}: the server accepts only -migrate (or --migrate), which applies pending migrations before it starts.`,
    };
  }
  return { migrate: args.length > 0 };
}

/** The exit code of a refused command line, as Go's `flag` package uses. */
export const usageExitCode = 2;
