import os from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, parseCommandLine } from '../../contract/cli.ts';
import { BENCHES, type BenchReport } from './benches.ts';
import { type BenchJson, renderBenchmarks } from './render.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const HELP = `carewatch bench [--only NAME,...] [--no-write]

  Runs the benchmarks and writes docs/benchmarks.md and the same figures as docs/benchmarks.json.
  --only NAME,...  run these sections only; the others keep their last figures in both files
  --no-write       print only

  sections: ${BENCHES.map((b) => b.name).join(', ')}
`;

/** `npm run bench [-- --only NAME,...]`: runs the benchmarks and writes docs/benchmarks.{md,json}. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, { only: { type: 'string' }, 'no-write': { type: 'boolean' } });
  if (parsed === 'help') { process.stdout.write(HELP); return 0; }
  const { values } = parsed;
  const only = values.only?.split(',');
  const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown?.length) throw new UsageError(`unknown section "${unknown[0]}" (sections: ${BENCHES.map((b) => b.name).join(', ')})`);
  const reports: Record<string, BenchReport> = {};
  for (const bench of BENCHES) {
    if (only && !only.includes(bench.name)) continue;
    process.stdout.write(`bench ${bench.name}: ${bench.about}\n`);
    const started = Date.now();
    const report = await bench.run();
    reports[bench.name] = report;
    process.stdout.write(`${report.lines.map((l) => `  ${l}`).join('\n')}\n  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  if (values['no-write']) return 0;
  const jsonPath = join(ROOT, 'docs', 'benchmarks.json');
  // A partial run replaces its own sections and keeps the rest, so sections can be re-measured one by one.
  const previous: BenchJson | undefined = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchJson : undefined;
  const sections: BenchJson['sections'] = {};
  for (const b of BENCHES) {
    const fresh = reports[b.name];
    const kept = previous?.sections[b.name];
    if (fresh) sections[b.name] = { ...fresh, measuredAt: new Date().toISOString() };
    else if (kept) sections[b.name] = kept;
  }
  const json: BenchJson = { machine: machine(), sections };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  if (only && !previous) {
    // No earlier figures to keep: the page is left as it is until a full run writes every section.
    process.stdout.write('wrote docs/benchmarks.json (docs/benchmarks.md is written by a full run)\n');
    return 0;
  }
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), renderBenchmarks(json));
  process.stdout.write('wrote docs/benchmarks.md and docs/benchmarks.json\n');
  return 0;
}

function machine(): BenchJson['machine'] {
  return { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown CPU' };
}



