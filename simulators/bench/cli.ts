import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHES, type BenchReport } from './benches.ts';
import { renderBenchmarks } from './render.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm run bench [-- --only NAME,...]`: runs the benchmarks and writes docs/benchmarks.md. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { only: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  const only = values.only?.split(',');
  const reports: BenchReport[] = [];
  for (const bench of BENCHES) {
    if (only && !only.includes(bench.name)) continue;
    process.stdout.write(`bench ${bench.name}: ${bench.about}\n`);
    const started = Date.now();
    const report = await bench.run();
    reports.push(report);
    process.stdout.write(`${report.lines.map((l) => `  ${l}`).join('\n')}\n  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  if (!values['no-write'] && !only) {
    writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), renderBenchmarks(reports));
    process.stdout.write('wrote docs/benchmarks.md\n');
  }
  return 0;
}
