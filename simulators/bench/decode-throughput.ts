import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { decodeNativeState, encodeNativeState } from '../../devices/codecs/native.ts';
import { decodeZ2mState } from '../../devices/codecs/zigbee2mqtt.ts';
import { RflinkLineSplitter, decodeRflinkDeviceLine, rflinkToFields } from '../../devices/codecs/rflink/index.ts';
import { Gb26875FrameSplitter, decodeGb26875Frame, gbToReadings } from '../../devices/codecs/gb26875/index.ts';
import { WatchFrameSplitter, decodeWatchFrame, watchToFields } from '../../devices/codecs/watch3g/index.ts';
import { createCtwingMapping, decodePush } from '../../devices/codecs/platform/index.ts';
import { getProfile } from '../../devices/registry.ts';
import { median, round } from './stats.ts';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');

interface Case { id: string; input: string; expect: Record<string, unknown> }
const cases = (proto: string): Case[] =>
  readFileSync(join(FIXTURES, proto, 'cases.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Case);

export interface CodecRate { codec: string; inputs: string; framesPerSec: number; ratioToJsonParse: number }

/**
 * Issue 3: decode throughput per codec, whole chain as the gateway runs it (bytes → splitter →
 * decoder → fields), over the real payloads of the golden fixtures. Baseline in the same run:
 * `JSON.parse` of the same Zigbee2MQTT payloads, which only parses and maps nothing.
 */
export function benchDecodeThroughput(runs = 5, msPerRun = 400): CodecRate[] {
  const smoke = getProfile('smoke-detector')!;
  const z2m = cases('zigbee2mqtt').map((c) => c.input).filter((s) => { try { JSON.parse(s); return true; } catch { return false; } });
  const native = [encodeNativeState({ smoke: true, battery: 90 }, { ts: 1_700_000_000_000, seq: 1 }), encodeNativeState({ smoke: false, battery_low: false, tamper: false })];
  const rflink = cases('rflink').filter((c) => !c.expect.error && !('chunks' in c)).map((c) => Buffer.from(`${c.input}\r\n`));
  const gb = cases('gb26875').filter((c) => c.expect.valid === true).map((c) => Buffer.from(c.input, 'hex'));
  const watch = cases('watch-4g').filter((c) => c.input.startsWith('[') && !c.id.includes('028')).map((c) => Buffer.from(c.input, 'latin1'));
  const ctwing = createCtwingMapping();
  const ctwingBody = Buffer.from(JSON.stringify({ timestamp: 1_700_000_000_000, tenantId: '1', protocol: 'lwm2m', productId: '15014772', deviceId: 'dev-1', messageType: 'dataReport', payload: { serviceId: 'smoke', serviceData: { smoke_state: 1, battery_value: 87 } } }));

  const rfSplit = new RflinkLineSplitter();
  const gbSplit = new Gb26875FrameSplitter();
  const wSplit = new WatchFrameSplitter();
  const chains: Array<{ codec: string; inputs: string; n: number; run: (i: number) => unknown }> = [
    { codec: 'baseline: JSON.parse', inputs: `${z2m.length} Zigbee2MQTT payloads`, n: z2m.length, run: (i) => JSON.parse(z2m[i]!) },
    { codec: 'native JSON', inputs: 'native state payloads', n: native.length, run: (i) => decodeNativeState(native[i]!, 0) },
    { codec: 'Zigbee2MQTT', inputs: `${z2m.length} fixture payloads`, n: z2m.length, run: (i) => decodeZ2mState(z2m[i]!, smoke) },
    {
      codec: 'RFLink (serial lines)', inputs: `${rflink.length} fixture lines`, n: rflink.length,
      run: (i) => { for (const f of rfSplit.push(rflink[i]!).frames) { const d = decodeRflinkDeviceLine(f); if (d.ok) rflinkToFields(d.value, 'smoke-detector'); } },
    },
    {
      codec: 'GB/T 26875.3 (frames)', inputs: `${gb.length} fixture frames`, n: gb.length,
      run: (i) => { for (const f of gbSplit.push(gb[i]!).frames) { const d = decodeGb26875Frame(f as Buffer); if (d.ok) gbToReadings(d.value, 0); } },
    },
    {
      codec: '4G watch "3G*"', inputs: `${watch.length} fixture frames`, n: watch.length,
      run: (i) => { for (const f of wSplit.push(watch[i]!).frames) { const d = decodeWatchFrame(f); if (d.ok) watchToFields(d.value); } },
    },
    { codec: 'CTWing push', inputs: 'data report bodies', n: 1, run: () => decodePush(ctwing, { headers: {}, rawBody: ctwingBody }, undefined, 0) },
  ];
  const rates = chains.map((c) => {
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      let count = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < msPerRun) {
        for (let k = 0; k < 200; k++) c.run((count + k) % c.n);
        count += 200;
      }
      samples.push(count / ((performance.now() - t0) / 1000));
    }
    return { codec: c.codec, inputs: c.inputs, rate: median(samples) };
  });
  const baseline = rates[0]!.rate;
  return rates.map((r) => ({ codec: r.codec, inputs: r.inputs, framesPerSec: Math.round(r.rate), ratioToJsonParse: round(r.rate / baseline, 3) }));
}
