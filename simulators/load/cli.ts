import { intOption, parseCommandLine } from '../../contract/index.ts';
import { ButtonQueue, type LoadProgress, type LoadSummary, runLoad } from './load-run.ts';
import { startLoadStack } from './load-stack.ts';

export const LOAD_HELP = `  load [--devices N] [--rate R] [--duration S] [--alarms A]
      a load run: starts the demo's server and gateway processes (as npm start does, on free
      loopback ports, data in a temp folder) with an extra site of N Zigbee2MQTT devices
      (hubs of 2,500: call buttons, motion sensors, smoke detectors, wearables, door contacts),
      then sends R messages/s for S seconds over the hubs' MQTT connections (keep-alives,
      heart rates, motion and doors) and A call-button alarms/s timed to the server's stream.
      Prints a progress line with live counters, then a summary: sent, acknowledged (PUBACK),
      rejected (the gateway's carewatch_rejected_total), PUBACK and alarm latency percentiles.
      Defaults: --devices 1000 --rate 200 --duration 30 --alarms 2
`;

export async function runLoadCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, {
    devices: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' }, alarms: { type: 'string' },
  });
  if (parsed === 'help') { process.stdout.write(`carewatch sim\n${LOAD_HELP}`); return 0; }
  const v = parsed.values;
  const devices = intOption('devices', v.devices, 10, 100_000) ?? 1000;
  const rate = intOption('rate', v.rate, 0, 100_000) ?? 200;
  const durationS = intOption('duration', v.duration, 1, 3600) ?? 30;
  const alarmsPerSec = intOption('alarms', v.alarms, 0, 1000) ?? 2;
  process.stdout.write(`starting the server and gateway with ${devices} load devices …\n`);
  const stack = await startLoadStack(devices);
  try {
    const buttons = new ButtonQueue(stack.devices.filter((d) => d.profile === 'call-button'));
    const summary = await runLoad(stack.ep, { devices: stack.devices, rate, durationS, alarmsPerSec, buttons, onProgress: (p) => progressLine(p) });
    process.stdout.write('\n');
    for (const line of summaryLines(summary)) process.stdout.write(`${line}\n`);
    return summary.alarms.seen === summary.alarms.sent ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

function progressLine(p: LoadProgress): void {
  const width = 30;
  const done = Math.min(width, Math.round((p.elapsedS / p.durationS) * width));
  const bar = `${'#'.repeat(done)}${'.'.repeat(width - done)}`;
  const line = `[${bar}] ${p.elapsedS.toFixed(0)}/${p.durationS} s  sent ${p.sent}  acked ${p.acked}  in flight ${p.inFlight}  alarms ${p.alarmsSeen}/${p.alarmsSent}`;
  process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`);
}

export function summaryLines(s: LoadSummary): string[] {
  return [
    `${s.devices} devices, ${s.rate} messages/s asked, ${s.ratePerSec}/s sent, ${s.durationS} s`,
    `sent ${s.sent}, acknowledged ${s.acked}, rejected ${s.rejected}`,
    `PUBACK latency p50 ${s.ackP50Ms} ms, p99 ${s.ackP99Ms} ms`,
    `alarms ${s.alarms.seen} of ${s.alarms.sent} on the server's stream: p50 ${s.alarms.p50Ms} ms, p99 ${s.alarms.p99Ms} ms, max ${s.alarms.maxMs} ms`,
  ];
}
