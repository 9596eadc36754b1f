import { afterEach, describe, expect, it } from 'vitest';
import { RulesRestartingError } from '../../gateway/site/site-runtime.ts';
import { type TransportHarness, createTransportHarness, eventsOf, waitFor } from '../helpers/gateway-harness-transports.ts';

// Issue 15 defect 3: a site's rule pipeline that errors must not stop watching that site. It is
// restarted from its stored state and says so: a log line, a counter and a gateway.trouble event.
// Real SQLite; the failure is real too — a rule-state row the rules cannot read.
describe('a site whose rules fail', () => {
  let h: TransportHarness;
  afterEach(() => h?.close());

  it('restarts them from stored state, counted and raised as gateway.trouble; readings meanwhile are refused, not lost', async () => {
    h = createTransportHarness({
      devices: [
        { id: 'smoke-1', profile: 'smoke-detector', roomId: 'room-101', transport: 'mqtt' },
        { id: 'pir', profile: 'motion-sensor', roomId: 'room-101', transport: 'mqtt' },
      ],
    });
    // The resident's inactivity clock as stored, made unreadable: the rules fail as they start.
    h.db.prepare("UPDATE rule_state SET value = '{broken' WHERE site = ? AND key = 'inactivity:ann'").run(h.siteId);
    const model = h.registry.get(h.siteId)!.site;
    expect(h.registry.upsert(model)).toEqual([]);
    const restarts = () => h.metrics.value('carewatch_site_rules_restarts_total', { site: h.siteId });
    expect(restarts()).toBe(1);
    const smoke = (on: boolean) => ({ type: 'state' as const, siteId: h.siteId, deviceId: 'smoke-1', ts: Date.now(), receivedAt: Date.now(), source: { transport: 'mqtt' as const }, fields: { smoke: on } });
    // While the rules are down a reading is refused (the device is not acknowledged and repeats it).
    expect(() => h.registry.get(h.siteId)!.push(smoke(true))).toThrow(RulesRestartingError);
    const trouble = await waitFor('the trouble event', () => {
      const found = eventsOf(h.events(), 'gateway.trouble', 'gateway:gw-harness/rules_restarted');
      return found.length > 0 && found;
    });
    expect(trouble[0]!.details).toMatchObject({ reason: 'rules_restarted' });
    // Still broken: restarted again (with backoff), each time counted.
    await waitFor('a second restart', () => restarts() >= 2, 5000);
    // Repaired: the next restart holds, and the site is watched again.
    h.db.prepare("DELETE FROM rule_state WHERE site = ? AND key = 'inactivity:ann'").run(h.siteId);
    const runtime = h.registry.get(h.siteId)!;
    await waitFor('the rules to run again', () => {
      try {
        runtime.push(smoke(true));
        return true;
      } catch (err) {
        if (err instanceof RulesRestartingError) return false;
        throw err;
      }
    }, 10_000, 20);
    expect(eventsOf(h.events(), 'fire.smoke', 'device:smoke-1').map((e) => e.action)).toEqual(['raise']);
  });
});
