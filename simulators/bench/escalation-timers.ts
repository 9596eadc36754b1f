import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { laneFor } from '../../contract/index.ts';
import type { AuditListResponse, EscalationConfigInput, EventInput } from '../../contract/index.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { percentile, round } from './stats.ts';

export interface EscalationTimerResult {
  pending: number;
  ingestSec: number;
  serverP50Ms: number; serverP99Ms: number; serverMaxMs: number;
  baselineP50Ms: number; baselineP99Ms: number; baselineMaxMs: number;
}

/**
 * Issue 18: does an escalation step fire within 1 s of its deadline with 10,000 pending? The real
 * `carewatch server` process, one step per critical alarm `delaySec` after its raise; 10,000 calls
 * raised over HTTP ingest (batches of 500), so all are pending when the first falls due. Each
 * step's lateness is what the server recorded in its `alarm.escalated` audit record (`lateMs`:
 * server clock at the step minus its persisted deadline), read back over `GET /api/v1/audit`.
 * Baseline, same run: 10,000 plain `setTimeout`s in this process at the same deadlines.
 */
export async function benchEscalationTimers(pending = 10_000, delaySec = 20): Promise<EscalationTimerResult> {
  const env: Record<string, string> = {};
  const stack = new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1), env });
  const config: EscalationConfigInput = {
    channels: { stream: { kind: 'stream' } },
    default: { rules: [{ severities: ['critical'], steps: [{ afterSec: delaySec, label: 'bench step', notify: ['stream'] }] }] },
  };
  const file = join(stack.dataDir, 'escalation.json');
  writeFileSync(file, JSON.stringify(config));
  env.CAREWATCH_ESCALATION_FILE = file;
  await stack.start();
  try {
    const gateway = stack.creds.gateways[0]!;
    const nurse = stack.creds.users.find((u) => u.username === 'call-centre')!.token;
    const t0 = performance.now();
    const now = Date.now();
    const baseline: Promise<number>[] = [];
    for (let from = 0; from < pending; from += 500) {
      const events: EventInput[] = [];
      for (let i = from; i < Math.min(pending, from + 500); i += 1) {
        events.push({
          id: `bench-esc-${now}-${i}`, siteId: gateway.siteId, kind: 'call.button', action: 'raise', severity: 'critical',
          lane: laneFor('critical', 'raise'), subject: `device:bench-${i}`, deviceId: `bench-${i}`, ts: Date.now(), createdAt: Date.now(), seq: 1, count: 1,
        });
      }
      const sentAt = Date.now();
      const res = await fetch(`${stack.serverUrl}/api/v1/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayId: 'gw-demo', events }),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      // The same deadlines, as bare timers here: raise time (about when the batch was sent) + delay.
      for (let i = 0; i < events.length; i += 1) {
        const due = sentAt + delaySec * 1000;
        baseline.push(new Promise((resolve) => setTimeout(() => resolve(Date.now() - due), due - Date.now())));
      }
    }
    const ingestSec = (performance.now() - t0) / 1000;
    if (ingestSec >= delaySec) throw new Error(`ingest took ${ingestSec} s, longer than the ${delaySec} s delay: not all were pending`);
    const baselineLate = await Promise.all(baseline);
    // Read back every step the server took.
    const late: number[] = [];
    const deadline = Date.now() + 60_000;
    while (late.length < pending && Date.now() < deadline) {
      late.length = 0;
      for (let after = 0; ;) {
        const res = await fetch(`${stack.serverUrl}/api/v1/audit?site=${gateway.siteId}&limit=1000&after=${after}`, { headers: { authorization: `Bearer ${nurse}` } });
        const page = await res.json() as AuditListResponse;
        for (const r of page.records) if (r.action === 'alarm.escalated' && r.details.label === 'bench step') late.push(Number(r.details.lateMs));
        if (page.next === null) break;
        after = page.next;
      }
      if (late.length < pending) await new Promise((r) => setTimeout(r, 1000));
    }
    if (late.length < pending) throw new Error(`only ${late.length} of ${pending} steps were taken`);
    return {
      pending, ingestSec: round(ingestSec, 1),
      serverP50Ms: round(percentile(late, 50), 1), serverP99Ms: round(percentile(late, 99), 1), serverMaxMs: round(Math.max(...late), 1),
      baselineP50Ms: round(percentile(baselineLate, 50), 1), baselineP99Ms: round(percentile(baselineLate, 99), 1), baselineMaxMs: round(Math.max(...baselineLate), 1),
    };
  } finally {
    await stack.stop();
  }
}
