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
 * At least 100,000 inputs per codec: random bytes, random JSON values over the field vocabulary,
 * and mutations of real payloads (byte flips, truncation, duplication, type swaps, huge numbers,
 * nesting up to MAX_NESTING). Every tenth input is a good payload that must still decode exactly.
 * Failures name the seed and iteration, so `new Rng(SEED)` replays them.
 */

const INPUTS = 100_000;
const GOOD_EVERY = 10;
const KEYS: readonly string[] = [
  ...FIELD_NAMES, 'ts', 'seq', 'linkquality', 'last_seen', 'voltage', 'device', 'alarm', 'emergency', 'trouble', 'state',
];
const profiles = listProfiles();
const fixtureInputs = loadFixtureCases('zigbee2mqtt').map((c) => c.input);
const KNOWN_REASONS: ReadonlySet<string> = new Set(REJECT_REASONS);

function nativeSeeds(): string[] {
  return profiles.map((p) => encodeNativeState(p.sample, { ts: 1_700_000_000_000, seq: 1 }));
}

function z2mSeeds(): string[] {
  return [...fixtureInputs, ...profiles.map((p) => encodeZ2mState(p.sample, p, { linkquality: 80, lastSeen: 1_700_000_000_000 }))];
}

function garbage(rng: Rng, seeds: readonly string[]): string | Buffer {
  const roll = rng.next();
  if (roll < 0.2) return randomBytes(rng, 64);
  if (roll < 0.5) return JSON.stringify(randomJsonValue(rng, KEYS, 4)) ?? '';
  return mutate(rng, rng.pick(seeds));
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
  return typeof result.detail === 'string' && result.detail.length > 0 ? undefined : 'rejection without detail';
}

interface Tally { accepted: number; rejected: Record<string, number>; good: number; problems: string[] }

function run(seed: number, decode: (input: string | Buffer, rng: Rng) => Decoded<{ fields: DeviceFields }>,
  good: (rng: Rng) => { input: string; expected: unknown; decode: () => unknown }, seeds: readonly string[]): Tally {
  const rng = new Rng(seed);
  const tally: Tally = { accepted: 0, rejected: {}, good: 0, problems: [] };
  for (let i = 0; i < INPUTS; i++) {
    if (i % GOOD_EVERY === 0) {
      const g = good(rng);
      const got = g.decode();
      if (!isDeepStrictEqual(got, g.expected)) tally.problems.push(`seed ${seed} #${i}: good ${show(g.input)} decoded ${JSON.stringify(got)}`);
      tally.good++;
      continue;
    }
    const input = garbage(rng, seeds);
    let result: Decoded<{ fields: DeviceFields }>;
    try {
      result = decode(input, rng);
    } catch (error) {
      tally.problems.push(`seed ${seed} #${i}: threw ${(error as Error).message} on ${show(input)}`);
      continue;
    }
    const problem = checkResult(result);
    if (problem) tally.problems.push(`seed ${seed} #${i}: ${problem} on ${show(input)}`);
    if (result.ok) tally.accepted++;
    else tally.rejected[result.reason] = (tally.rejected[result.reason] ?? 0) + 1;
    if (tally.problems.length > 20) break;
  }
  return tally;
}

describe('fuzz: JSON device codecs', () => {
  it(`native state: ${INPUTS} random and mutated inputs, no throw, known reasons, good payloads intact`, () => {
    const SEED = 0x5eed0001;
    const tally = run(
      SEED,
      (input) => decodeNativeState(input, 1),
      (rng) => {
        const profile = rng.pick(profiles);
        const fields = goodState(rng, profile);
        const input = encodeNativeState(fields, { seq: rng.int(1000) });
        const seq = (JSON.parse(input) as { seq: number }).seq;
        return { input, expected: { ok: true, value: { fields, ts: 1, seq } }, decode: () => decodeNativeState(input, 1) };
      },
      nativeSeeds(),
    );
    expect(tally.problems).toEqual([]);
    expect(tally.good).toBe(INPUTS / GOOD_EVERY);
    // The mix must exercise both paths and more than one rejection reason.
    expect(tally.accepted).toBeGreaterThan(100);
    expect(Object.keys(tally.rejected).sort()).toEqual(['malformed_json', 'schema']);
  });

  it(`zigbee2mqtt state: ${INPUTS} random and mutated inputs over every profile and model`, () => {
    const SEED = 0x5eed0002;
    const models = (p: DeviceProfile) => [undefined, 'constructor', ...Object.keys(p.z2m?.models ?? {})];
    const tally = run(
      SEED,
      (input, rng) => {
        const profile = rng.pick(profiles);
        return decodeZ2mState(input, profile, rng.pick(models(profile)));
      },
      (rng) => {
        const profile = rng.pick(profiles);
        const model = rng.pick(models(profile));
        const fields = goodState(rng, profile);
        const input = encodeZ2mState(fields, profile, { model, linkquality: rng.int(256), lastSeen: 1_656_118_444_933 });
        return {
          input,
          expected: { ok: true, value: { fields, ts: 1_656_118_444_933 } },
          decode: () => decodeZ2mState(input, profile, model),
        };
      },
      z2mSeeds(),
    );
    expect(tally.problems).toEqual([]);
    expect(tally.good).toBe(INPUTS / GOOD_EVERY);
    expect(tally.accepted).toBeGreaterThan(1000);
    expect(tally.rejected['malformed_json']).toBeGreaterThan(1000);
    expect(tally.rejected['schema']).toBeGreaterThan(100);
  });
});
