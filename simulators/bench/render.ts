import type { BenchReport } from './benches.ts';

/** docs/benchmarks.json: the figures of every section, with when each was measured. */
export interface BenchJson {
  machine: { node: string; cpus: number; cpu: string };
  sections: Record<string, BenchSection>;
}

/**
 * One section as last measured. `markdown` holds a section written before the figures were kept
 * as JSON (its text as the page had it): kept as it is until that bench runs again, so a partial
 * run (`--only`) never drops a section it did not measure.
 */
export type BenchSection = BenchReport & { measuredAt: string; markdown?: string };

export function renderBenchmarks(json: BenchJson): string {
  const { machine } = json;
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`: Node ${machine.node}, ${machine.cpus} × ${machine.cpu}. The same figures are in`,
    '[benchmarks.json](benchmarks.json). The machine is shared and noisy: throughputs are medians of repeated runs,',
    'and each figure stands beside a baseline measured in the same run and warmed the same way, which is the',
    'number to compare across machines.',
    '',
    ...Object.values(json.sections).flatMap((r) => (r.markdown !== undefined ? [`## ${r.title}`, '', r.markdown.trim(), ''] : [
      `## ${r.title}`,
      '',
      `Measured ${r.measuredAt.slice(0, 10)}. ${r.method}`,
      '',
      `Baseline: ${r.baseline}.`,
      '',
      ...r.table,
      '',
      ...(r.goal ? [`Goal: ${r.goal}`, ''] : []),
    ])),
  ].join('\n');
}
