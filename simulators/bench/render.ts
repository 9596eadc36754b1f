import os from 'node:os';
import type { BenchReport } from './benches.ts';

export function renderBenchmarks(reports: BenchReport[]): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} × ${cpu}.`,
    'The machine is shared and noisy: throughputs are medians of repeated runs, and each is given as a ratio',
    'to a baseline measured in the same run, which is the number to compare across machines.',
    '',
    ...reports.flatMap((r) => [`## ${r.title}`, '', r.method, '', ...r.table, '', ...(r.goal ? [`Goal: ${r.goal}`, ''] : [])]),
  ].join('\n');
}
