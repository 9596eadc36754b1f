import { ButtonQueue, type LoadSummary, runLoad } from '../load/load-run.ts';
import { startLoadStack } from '../load/load-stack.ts';

export interface LoadBenchResult { warmupS: number; alarmsPerSec: number; baseline: LoadSummary; load: LoadSummary }

/**
 * Issue 24 must-show: the demo's processes under 10,000 devices at 2,000 messages/s for 60 s,
 * with the e2e alarm latency measured while it runs, beside the same alarms with no load (same
 * processes, same rate, same warm-up). ≥ 1,000 alarm samples in each phase.
 */
export async function benchLoad(devices = 10_000, rate = 2000, durationS = 60, alarmsPerSec = 17, warmupS = 5): Promise<LoadBenchResult> {
  const stack = await startLoadStack(devices);
  try {
    const buttons = new ButtonQueue(stack.devices.filter((d) => d.profile === 'call-button'));
    const progress = (phase: string) => (p: { elapsedS: number; sent: number; acked: number; alarmsSeen: number }) => {
      if (Math.round(p.elapsedS) % 10 === 0) process.stdout.write(`  ${phase} ${Math.round(p.elapsedS)} s: sent ${p.sent}, acked ${p.acked}, alarms ${p.alarmsSeen}\n`);
    };
    await runLoad(stack.ep, { devices: stack.devices, rate: 0, durationS: warmupS, alarmsPerSec, buttons });
    const baseline = await runLoad(stack.ep, { devices: stack.devices, rate: 0, durationS, alarmsPerSec, buttons, onProgress: progress('baseline') });
    const load = await runLoad(stack.ep, { devices: stack.devices, rate, durationS, alarmsPerSec, buttons, onProgress: progress('load') });
    return { warmupS, alarmsPerSec, baseline, load };
  } finally {
    await stack.stop();
  }
}
