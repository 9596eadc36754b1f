import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ACTIVITY_FIELDS, AtQuery, DeviceId, DeviceStatusAt, FIRE_PROFILES, READING_FIELD_KINDS, ReadingsQuery, ReadingsResponse,
  ResidentId, SiteId, TimelineQuery, TimelineResponse, VITAL_FIELDS, everyToMs,
} from '../../../contract/index.ts';
import type { TimelineEntry } from '../../../contract/index.ts';
import { badRequest, forbidden, notFound } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import type { Buckets } from '../../services/history/history-service.ts';
import { canSeeSite } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireSite } from './guards.ts';

/** At most this many points or buckets in one answer: ask a wider `every` for more. */
const MAX_BUCKETS = 10_000;
const TIMELINE_LIMIT = 5000;

const DeviceParams = z.object({ deviceId: DeviceId });

/**
 * History routes (issue 19): a device's time series with downsampling, its status at a past
 * moment, and a resident's timeline. Devices are named by id; ids are unique within a site, so a
 * caller who sees two sites holding the same id adds `?site=`.
 */
export default async function historyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** The device's site in the caller's scope; the fire department only for fire devices. */
  const locate = async (request: FastifyRequest, deviceId: string, site: string | undefined): Promise<string> => {
    const principal = principalOf(request);
    if (site !== undefined) requireSite(request, site);
    const refs = (await app.sites.locateDevice(deviceId)).filter((r) => canSeeSite(principal, r.siteId) && (site === undefined || r.siteId === site));
    if (principal.role === 'firedept' && !refs.some((r) => FIRE_PROFILES.has(r.profile))) {
      app.metrics.authFailures.inc({ reason: 'role' });
      throw forbidden('role firedept may read fire devices only');
    }
    if (site !== undefined) return site; // a device the site does not register may still have been heard
    if (refs.length === 0) throw notFound(`no device ${deviceId} in your scope`);
    if (refs.length > 1) throw badRequest(`device id ${deviceId} is in several sites (${refs.map((r) => r.siteId).join(', ')}): add ?site=`);
    return refs[0]!.siteId;
  };

  app.get('/devices/:deviceId/readings', {
    onRequest: allowRoles(['staff', 'callcentre', 'admin', 'firedept'], 'read device history'),
    schema: { params: DeviceParams, querystring: ReadingsQuery, response: { 200: ReadingsResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const { deviceId } = request.params;
    const { from, to, every, fields, limit, site } = request.query;
    const siteId = await locate(request, deviceId, site);
    const names = fields?.split(',');
    const unknown = names?.filter((f) => !(f in READING_FIELD_KINDS));
    if (unknown && unknown.length > 0) throw badRequest(`fields: no field ${unknown.join(', ')} (docs/history.md lists them)`);
    const q = { siteId, deviceId, from: Date.parse(from), to: Date.parse(to), fields: names };
    let answer: Buckets;
    if (every) {
      const everyMs = everyToMs(every);
      if ((q.to - q.from) / everyMs > MAX_BUCKETS) throw badRequest(`every: ${every} makes more than ${MAX_BUCKETS} buckets in this range; choose a wider one`);
      answer = await app.history.buckets(q, everyMs);
    } else {
      answer = { series: await app.history.store.raw(q, limit), resolution: 'raw', from: q.from, to: q.to };
    }
    return {
      siteId, deviceId, from: new Date(answer.from).toISOString(), to: new Date(answer.to).toISOString(), every: every ?? null, resolution: answer.resolution,
      series: answer.series.map((s) => ({
        field: s.field,
        kind: (READING_FIELD_KINDS as Record<string, 'number' | 'boolean' | 'string'>)[s.field] ?? 'number',
        truncated: s.truncated,
        points: s.points.map((p) => ({ ...p, t: new Date(p.t).toISOString() })),
      })),
    };
  });

  app.get('/devices/:deviceId/status', {
    onRequest: allowRoles(['staff', 'callcentre', 'admin', 'firedept'], 'read device status'),
    schema: { params: DeviceParams, querystring: AtQuery, response: { 200: DeviceStatusAt, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const { deviceId } = request.params;
    const siteId = await locate(request, deviceId, request.query.site);
    const at = request.query.at ? Date.parse(request.query.at) : app.history.now();
    const snap = (await app.history.store.statusAt([siteId], at)).find((s) => s.deviceId === deviceId);
    const iso = (ts: number | undefined) => (ts === undefined ? null : new Date(ts).toISOString());
    return {
      siteId, deviceId, at: new Date(at).toISOString(),
      online: snap?.online?.value ?? null, battery: snap?.battery?.value ?? null, batteryLow: snap?.battery_low?.value ?? null,
      tamper: snap?.tamper?.value ?? null, fault: snap?.fault?.value ?? null,
      lastSeen: iso(snap?.lastSeen), lastSelfTest: iso(snap?.lastSelfTest),
    };
  });

  app.get('/sites/:siteId/residents/:residentId/timeline', {
    // A resident's day is health data (PIPL art. 28): carers only, and every view is audited.
    onRequest: allowRoles(['staff', 'callcentre', 'admin'], "read a resident's timeline"),
    schema: {
      params: z.object({ siteId: SiteId, residentId: ResidentId }), querystring: TimelineQuery,
      response: { 200: TimelineResponse, '4xx': ErrorBody, '5xx': ErrorBody },
    },
  }, async (request) => {
    const { siteId, residentId } = request.params;
    requireSite(request, siteId);
    const resident = await app.residents.view(principalOf(request), request.ip, siteId, residentId, 'timeline');
    if (!resident) throw notFound(`no resident ${residentId} in site ${siteId}`);
    const doc = await app.sites.document(siteId);
    const from = Date.parse(request.query.from);
    const to = Date.parse(request.query.to);
    // The resident's own devices (wearable, call button) and the sensors of their room.
    const devices = (doc?.devices ?? []).filter((d) => d.residentId === residentId || (d.roomId !== undefined && d.roomId === resident.roomId && !d.residentId));
    const entries: TimelineEntry[] = [];
    let truncated = false;
    for (const d of devices) {
      for (const s of await app.history.store.raw({ siteId, deviceId: d.id, from, to, fields: [...ACTIVITY_FIELDS, ...VITAL_FIELDS] }, TIMELINE_LIMIT)) {
        truncated ||= s.truncated;
        const type = (VITAL_FIELDS as readonly string[]).includes(s.field) ? 'vital' : 'activity';
        for (const p of s.points) entries.push({ t: new Date(p.t).toISOString(), type, deviceId: d.id, roomId: d.roomId ?? null, what: s.field, value: p.value });
      }
    }
    for (const alarm of (await app.alarms.list(principalOf(request), { site: siteId, status: 'all', limit: 1000 })).alarms) {
      const t = Date.parse(alarm.raisedAt);
      if (alarm.residentId !== residentId || t < from || t >= to) continue;
      entries.push({ t: alarm.raisedAt, type: 'alarm', deviceId: alarm.deviceId, roomId: alarm.roomId, what: alarm.kind, value: null, alarmId: alarm.id, status: alarm.status });
    }
    entries.sort((a, b) => a.t.localeCompare(b.t));
    return { siteId, residentId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), entries: entries.slice(0, TIMELINE_LIMIT), truncated: truncated || entries.length > TIMELINE_LIMIT };
  });
}
