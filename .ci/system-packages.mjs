#!/usr/bin/env node
// The Debian packages the test suite uses, in one list: `.ci/run` installs the missing ones and
// `npm test` refuses to start, in one line, when one is missing (instead of nine failed tests
// with stack traces). README "Tests" names the same list.
//   node .ci/system-packages.mjs            check; one line per missing package, exit 1 if any
//   node .ci/system-packages.mjs --missing  print the names of missing packages (for apt-get)
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const SYSTEM_PACKAGES = [
  { name: 'mosquitto', files: ['/usr/sbin/mosquitto'], command: 'mosquitto', why: 'an external MQTT broker (Zigbee2MQTT bridge tests)' },
  { name: 'socat', command: 'socat', why: 'pty pairs for the real serial-port tests' },
  { name: 'chromium', files: ['/usr/bin/chromium'], why: 'the consoles in a real browser' },
  { name: 'fonts-wqy-zenhei', files: ['/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc'], why: 'legible Chinese text in console screenshots' },
  { name: 'openssl', command: 'openssl', why: 'throwaway certificates for the TLS tests' },
  { name: 'influxdb', command: 'influxd', files: ['/usr/bin/influxd'], why: 'the InfluxDB 1.x history store tests' },
  { name: 'postgresql', files: ['/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/pg_ctl'], why: 'the PostgreSQL store tests' },
  { name: 'strace', command: 'strace', why: 'counts the WAL syncs of power-safe outbox commits (gateway durability test)' },
  { name: 'nats-server', command: 'nats-server', files: ['/usr/sbin/nats-server'], why: 'the NATS JetStream bus tests' },
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // not there or not executable: the package is missing
  }
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, command)));
}

function present(pkg) {
  if (pkg.files?.some((f) => (f.endsWith('.ttc') ? readable(f) : executable(f)))) return true;
  return pkg.command !== undefined && onPath(pkg.command);
}

function readable(path) {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false; // not there: the package is missing
  }
}

const missing = SYSTEM_PACKAGES.filter((p) => !present(p));
if (process.argv.includes('--missing')) {
  process.stdout.write(missing.map((p) => p.name).join(' '));
} else if (missing.length > 0) {
  for (const p of missing) process.stderr.write(`npm test: missing system package ${p.name} (${p.why}): sudo apt-get install ${p.name}\n`);
  process.exit(1);
}
