import { printMedians, printResult, setRun, setSmoke } from './report.js';
import { scenarios } from './scenarios/index.js';

const usage = `usage: pnpm bench [scenario...] [--smoke] [--runs <n>]
scenarios: ${Object.keys(scenarios).join(', ')} (all by default)
  --smoke     tiny sizes, a few seconds each: checks the harness, measures nothing
  --runs <n>  repeat each scenario n times, then print the medians (median_of: n)`;

function parseArgs(argv: string[]) {
  const names: string[] = [];
  let smoke = false;
  let runs = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '--smoke') smoke = true;
    else if (arg === '--runs') runs = Number(argv[++i]);
    else if (arg.startsWith('--runs=')) runs = Number(arg.slice('--runs='.length));
    else if (arg === '--help' || arg === '-h') return undefined;
    else if (arg in scenarios) names.push(arg);
    else throw new Error(`unknown scenario or option: ${arg}\n${usage}`);
  }
  if (!Number.isInteger(runs) || runs < 1 || runs > 10) throw new Error(`--runs takes 1 to 10`);
  return { names: names.length > 0 ? names : Object.keys(scenarios), smoke, runs };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  setSmoke(options.smoke);
  let failed = 0;
  for (const name of options.names) {
    const scenario = scenarios[name]!;
    for (let run = 1; run <= options.runs; run++) {
      setRun(options.runs > 1 ? run : undefined);
      try {
        await scenario.run({ smoke: options.smoke });
      } catch (error) {
        failed++;
        const message = error instanceof Error ? error.message : String(error);
        printResult(name, { error: message.split('\n').slice(0, 20).join('\n') });
        process.stderr.write(`${name}: ${error instanceof Error ? error.stack : message}\n`);
      }
    }
    if (options.runs > 1) printMedians(options.runs);
    setRun(undefined);
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
