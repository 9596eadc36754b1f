import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { API_PREFIX, hashSecret } from '../../contract/index.ts';
import type { Alarm, EventInput, Role, ServerProvisioning } from '../../contract/index.ts';
import { buildServer } from '../../server/app.ts';
import type { ServerOptions } from '../../server/app.ts';

/** Who is who in the server tests: two care homes, one home-care site, each role once. */
export const PEOPLE = {
  admin: { role: 'admin', sites: [] },
  staffA: { role: 'staff', sites: ['site-a'] },
  staffB: { role: 'staff', sites: ['site-b'] },
  callcentre: { role: 'callcentre', sites: ['site-a', 'home-1'] },
  firedept: { role: 'firedept', sites: ['site-a', 'site-b'] },
} as const satisfies Record<string, { role: Role; sites: readonly string[] }>;
export const GATEWAYS = {
  'gw-a': ['site-a', 'home-1'],
  'gw-b': ['site-b'],
} as const;

export type Person = keyof typeof PEOPLE;
export type GatewayName = keyof typeof GATEWAYS;

/** Plain tokens (what clients send) and the provisioning holding only their hashes. */
export function makeProvisioning(): { provisioning: ServerProvisioning; tokens: Record<Person | GatewayName, string> } {
  const tokens = {} as Record<Person | GatewayName, string>;
  const users = Object.entries(PEOPLE).map(([username, person]) => {
    const token = `tok-${username}-${Math.random().toString(36).slice(2)}`;
    tokens[username as Person] = token;
    return { username, role: person.role, sites: [...person.sites], tokenHash: hashSecret(token) };
  });
  const gateways = Object.entries(GATEWAYS).map(([gatewayId, sites]) => {
    const token = `tok-${gatewayId}-${Math.random().toString(36).slice(2)}`;
    tokens[gatewayId as GatewayName] = token;
    return { gatewayId, sites: [...sites], tokenHash: hashSecret(token) };
  });
  return { provisioning: { users, gateways }, tokens };
}

export function tempDir(prefix = 'carewatch-server-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A settable clock, starting at a fixed instant. */
export function fakeClock(start = Date.UTC(2025, 0, 15, 8, 0, 0)): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

export interface TestServer {
  app: FastifyInstance;
  tokens: Record<Person | GatewayName, string>;
  provisioning: ServerProvisioning;
  dataDir: string;
  close(): Promise<void>;
}

/** scrypt N = 2^10 for test servers; the hash records its cost, so the code path is the same. */
export const TEST_PASSWORD_COST = { ln: 10, r: 8, p: 1 };

export async function testServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dir = tempDir();
  const { provisioning, tokens } = makeProvisioning();
  // Cheap password hashes: test servers start by the dozen (the first administrator's hash); the
  // sign-in tests use the default cost.
  const app = await buildServer({ dataDir: dir.path, provisioning, passwordCost: TEST_PASSWORD_COST, ...options });
  return {
    app, tokens, provisioning, dataDir: dir.path,
    close: async () => {
      await app.close();
      dir.remove();
    },
  };
}

export function writeProvisioning(dir: string, provisioning: ServerProvisioning): string {
  const file = join(dir, 'provisioning.json');
  writeFileSync(file, JSON.stringify(provisioning), { mode: 0o600 });
  return file;
}

let counter = 0;

/** A valid event; ids unique per call unless given. */
export function event(overrides: Partial<EventInput> = {}): EventInput {
  counter += 1;
  return {
    id: `evt-${counter.toString().padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    siteId: 'site-a',
    kind: 'call.button',
    action: 'raise',
    severity: 'critical',
    lane: 'life_safety',
    subject: 'device:btn-101',
    deviceId: 'btn-101',
    roomId: 'r101',
    residentId: 'res-1',
    ts: Date.UTC(2025, 0, 15, 7, 59, 0) + counter,
    createdAt: Date.UTC(2025, 0, 15, 7, 59, 1) + counter,
    seq: counter,
    count: 1,
    ...overrides,
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function ingest(app: FastifyInstance, gateway: GatewayName, token: string, events: EventInput[]) {
  return app.inject({ method: 'POST', url: `${API_PREFIX}/ingest`, headers: bearer(token), payload: { gatewayId: gateway, events } });
}

export async function listAlarms(app: FastifyInstance, token: string, query = 'status=all'): Promise<Alarm[]> {
  const response = await app.inject({ method: 'GET', url: `${API_PREFIX}/alarms?${query}`, headers: bearer(token) });
  if (response.statusCode !== 200) throw new Error(`list alarms: ${response.statusCode} ${response.body}`);
  return (response.json() as { alarms: Alarm[] }).alarms;
}
