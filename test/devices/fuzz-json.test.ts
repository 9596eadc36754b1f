import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DeviceFields } from '../../contract/index.ts';
import { DeviceFields as DeviceFieldsSchema, FIELD_NAMES } from '../../contract/index.ts';
import { decodeNativeState, encodeNativeState } from '../../devices/codecs/native.ts';
import { decodeZ2mState, encodeZ2mState } from '../../devices/codecs/zigbee2mqtt.ts';
import type { Decoded } from '../../devices/decoded.ts';
import { REJECT_REASONS } from '../../devices/decoded.ts';
import type { DeviceProfile } from '../../devices/registry.ts';
import { listProfiles } from '../../devices/registry.ts';
import { loadFixtureCases, mutate, randomBytes, randomJsonValue, Rng } from './fuzz-helpers.ts';

/**
 * 100,000 inputs per codec, in two tests of 50,000 each so each stays within ~3 s on a shared
 * 2-core machine: (a) random bytes and random JSON values over the field vocabulary, (b) mutations
 * of real payloads (byte flips, truncation, duplication, type swaps, huge numbers, nesting up to
 * MAX_NESTING). Every tenth input is a good payload that must still decode exactly. Zero throws,
 * only known reject reasons, accepted fields always valid. Failures name seed and iteration:
 * `new Rng(seed)` replays them.
 */

const INPUTS_PER_TEST = 50_000;
const GOOD_EVERY = 10;
const KEYS: readonly string[] = [
  ...FIELD_NAMES, 'ts', 'seq', 'linkquality', 'last_seen', 'voltage', 'device', 'alarm', 'emergency', 'trouble', 'state',
];
const profiles = listProfiles();
const KNOWN_REASONS: ReadonlySet<string> = new Set(REJECT_REASONS);

type Source = 'random' | 'mutated';

function randomInput(rng: Rng): string | Buffer {
  return rng.chance(0.4) ? randomBytes(rng, 64) : JSON.stringify(randomJsonValue(rng, KEYS, 4)) ?? '';
}

/** A valid state of the profile: its sample with some booleans flipped and the battery moved. */
function goodState(rng: Rng, profile: DeviceProfile): DeviceFields {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(profile.sample)) {
    if (typeof v === 'boolean') out[k] = rng.chance(0.5) ? !v : v;
    else if (k === 'battery') out[k] = rng.int(201) / 2;
    else out[k] = v;
  }
  return out as DeviceFields;
}

function show(input: string | Buffer): string {
  return typeof input === 'string' ? JSON.stringify(input.slice(0, 200)) : `hex ${input.subarray(0, 100).toString('hex')}`;
}

/** Checks one result; returns a problem or undefined. */
function checkResult(result: Decoded<{ fields: DeviceFields }>): string | undefined {
  if (result.ok) return DeviceFieldsSchema.safeParse(result.value.fields).success ? undefined : 'accepted fields that fail DeviceFields';
  if (!KNOWN_REASONS.has(result.reason)) return `unknown reason ${result.reason}`;
  return result.detail.length > 0 ? undefined : 'rejection without detail';
}

interface Codec {
  name: string;
  seeds: readonly string[];
  decode(input: string | Buffer, rng: Rng): Decoded<{ fields: DeviceFields }>;
  /** A good payload and what decoding it must give. */
  good(rng: Rng): { input: string; decode: () => unknown; expected: unknown };
}

interface Tally { accepted: number; rejected: Record<string, number>; good: number; problems: string[] }

function fuzz(codec: Codec, source: Source, seed: number): Tally {
  const rng = new Rng(seed);
  const tally: Tally = { accepted: 0, rejected: {}, good: 0, problems: [] };
  for (let i = 0; i < INPUTS_PER_TEST && tally.problems.length < 20; i++) {
    if (i % GOOD_EVERY === 0) {
      const g = codec.good(rng);
      const got = g.decode();
      if (!isDeepStrictEqual(got, g.expected)) tally.problems.push(`seed ${seed} #${i}: good ${show(g.input)} gave ${JSON.stringify(got)}`);
      tally.good++;
      continue;
    }
    const input = source === 'random' ? randomInput(rng) : mutate(rng, rng.pick(codec.seeds));
    let result: Decoded<{ fields: DeviceFields }>;
    try {
      result = codec.decode(input, rng);
    } catch (error) {
      tally.problems.push(`seed ${seed} #${i}: threw ${(error as Error).message} on ${show(input)}`);
      continue;
    }
    const problem = checkResult(result);
    if (problem) tally.problems.push(`seed ${seed} #${i}: ${problem} on ${show(input)}`);
    if (result.ok) tally.accepted++;
    else tally.rejected[result.reason] = (tally.rejected[result.reason] ?? 0) + 1;
  }
  return tally;
}

const native: Codec = {
  name: 'native state',
  seeds: profiles.map((p) => encodeNativeState(p.sample, { ts: 1_700_000_000_000, seq: 1 })),
  decode: (input) => decodeNativeState(input, 1),
  good(rng) {
    const fields = goodState(rng, rng.pick(profiles));
    const seq = rng.int(1000);
    const input = encodeNativeState(fields, { seq });
    return { input, decode: () => decodeNativeState(input, 1), expected: { ok: true, value: { fields, ts: 1, seq } } };
  },
};

const modelsOf = (p: DeviceProfile) => [undefined, 'constructor', ...Object.keys(p.z2m?.models ?? {})];

const z2m: Codec = {
  name: 'zigbee2mqtt state',
  seeds: [
    ...loadFixtureCases('zigbee2mqtt').map((c) => c.input),
    ...profiles.map((p) => encodeZ2mState(p.sample, p, { linkquality: 80, lastSeen: 1_700_000_000_000 })),
  ],
  decode(input, rng) {
    const profile = rng.pick(profiles);
    return decodeZ2mState(input, profile, rng.pick(modelsOf(profile)));
  },
  good(rng) {
    const profile = rng.pick(profiles);
    const model = rng.pick(modelsOf(profile));
    const fields = goodState(rng, profile);
    const input = encodeZ2mState(fields, profile, { model, linkquality: rng.int(256), lastSeen: 1_656_118_444_933 });
    return { input, decode: () => decodeZ2mState(input, profile, model), expected: { ok: true, value: { fields, ts: 1_656_118_444_933 } } };
  },
};

describe.each([
  { name: native.name, codec: native, seed: 0x5eed0100 },
  { name: z2m.name, codec: z2m, seed: 0x5eed0200 },
])('fuzz: $name', ({ codec, seed }) => {
  it.each<[Source, number]>([['random', seed], ['mutated', seed + 1]])(
    `${INPUTS_PER_TEST} %s inputs: no throw, known reasons, valid fields, good payloads intact (seed %d)`,
    (source, runSeed) => {
      const tally = fuzz(codec, source, runSeed);
      expect(tally.problems).toEqual([]);
      expect(tally.good).toBe(INPUTS_PER_TEST / GOOD_EVERY);
      // The mix must reach both outcomes and more than one rejection reason.
      expect(tally.rejected['malformed_json']).toBeGreaterThan(1000);
      expect(tally.rejected['schema']).toBeGreaterThan(100);
      if (source === 'mutated') expect(tally.accepted).toBeGreaterThan(100);
    },
  );
});
