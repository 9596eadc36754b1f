import { ReplayRequest } from '../../contract/index.ts';
import { replayScenario } from './replay-scenario.ts';

/**
 * The replay as its own process: a ReplayRequest as JSON on stdin, ReplayLines on stdout. The
 * simulators start it (simulators/scenario/run-virtual.ts) and reach the gateway only across
 * this process boundary (DESIGN.md walls).
 */
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const request = ReplayRequest.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
const out: string[] = [];
replayScenario(request, (line) => {
  out.push(JSON.stringify(line));
  if (out.length >= 256) process.stdout.write(`${out.splice(0).join('\n')}\n`);
});
if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
