import { runCli } from './contract/cli.ts';
import { usePrivateUmask } from './contract/private-files.ts';

/**
 * `carewatch <command>`: each command lives with its part of the product; this file only
 * dispatches, so the gateway and the server never import each other.
 */
const COMMANDS: Record<string, { about: string; load: () => Promise<{ run(argv: string[]): Promise<number> }>; private?: true }> = {
  server: { about: 'the central server alone', load: () => import('./server/cli.ts'), private: true },
  gateway: { about: 'one edge gateway: --site FILE|DIR ... --server URL', load: () => import('./gateway/cli.ts'), private: true },
  sim: { about: 'device simulators, scenarios and load', load: () => import('./simulators/cli.ts') },
  demo: { about: 'all-in-one demo: server + gateway with the bundled sites (npm start)', load: () => import('./simulators/demo/cli.ts'), private: true },
  audit: { about: 'audit verify: check the hash-chained audit trail offline', load: () => import('./server/audit-cli.ts') },
  admin: { about: 'provisioning: regions, sites, devices, gateways, users (the admin API)', load: () => import('./server/admin-cli/cli.ts') },
  bench: { about: 'benchmarks; writes docs/benchmarks.md (npm run bench)', load: () => import('./simulators/bench/cli.ts') },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    if (name !== undefined && name !== '--help' && name !== '-h') {
      process.stderr.write(`carewatch: no command "${name}" (see carewatch --help)\n`);
      return 2;
    }
    const list = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)} ${c.about}`).join('\n');
    process.stdout.write(`usage: carewatch <command> [options]\n\n${list}\n\nEach command takes --help.\n`);
    return 0;
  }
  exitWithParent();
  // Files 0600 and folders 0700 for whatever the services write (issue 16: data/ was world-readable).
  if (command.private) usePrivateUmask();
  const mod = await command.load();
  // Every command's usage mistakes end the same way: one line, exit 2 (contract/cli.ts).
  return runCli(name!, () => mod.run(rest));
}

/**
 * A process the demo launched dies with the demo, even when the demo was killed with SIGKILL
 * and could not stop it: no orphaned server holding port 8080 for the next `npm start`.
 */
function exitWithParent(): void {
  const parent = Number(process.env.CAREWATCH_PARENT_PID);
  if (!parent) return;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}
