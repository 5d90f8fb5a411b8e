#!/usr/bin/env node
// Before `pnpm test`: the system tests need a real Chromium (browser suite) and a real nginx
// (load-balancer suite). Installs them from Debian's packages when running as root with apt, like
// CI; otherwise stops before any test runs, naming the package and the command that installs it.
// Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, name)));

/** What the suites look for, in the same places (tests/browser/src/harness.ts, tests/nginx/src/nginx.ts). */
const prerequisites = [
  {
    what: 'Chromium (browser tests)',
    packageName: 'chromium',
    present: () => existsSync('/usr/bin/chromium'),
  },
  {
    what: 'nginx (load-balancer tests)',
    packageName: 'nginx-light',
    present: () =>
      [
        process.env.NGINX_BIN,
        '/usr/sbin/nginx',
        '/usr/local/sbin/nginx',
        '/usr/local/nginx/sbin/nginx',
      ].some((candidate) => candidate && existsSync(candidate)) || onPath('nginx'),
  },
];

const missing = prerequisites.filter((prerequisite) => !prerequisite.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((prerequisite) => prerequisite.packageName);
const installCommand = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
const canInstall = process.getuid?.() === 0 && onPath('apt-get');

function stop(reason) {
  const names = missing.map((prerequisite) => prerequisite.what).join(' and ');
  console.error(
    `test: ${names} missing${reason ? ` (${reason})` : ''}: install ${packages.length > 1 ? 'the packages' : 'the package'} ${packages.join(' ')} with \`sudo ${installCommand}\`, then run the tests again.`,
  );
  process.exit(1);
}

if (!canInstall) stop();

function apt(args) {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

console.error(`Installing ${packages.join(' ')} for the system tests (apt-get)...`);
// A failed `apt-get update` (a mirror down) may still leave a usable package list.
apt(['update', '-qq']);
const installed = apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
if (!installed || missing.some((prerequisite) => !prerequisite.present())) {
  stop('apt-get could not install them');
}
