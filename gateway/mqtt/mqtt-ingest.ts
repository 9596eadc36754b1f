import type { PublishPacket } from 'aedes';
import { type Reading, parseNativeTopic, parseZ2mTopic } from '../../contract/index.ts';
import { type Rejected, reject } from '../../devices/decoded.ts';
import { decodeNativeAvailability, decodeNativeStateForProfile } from '../../devices/codecs/native.ts';
import {
  decodeZ2mAvailability, decodeZ2mBridgeState, decodeZ2mState,
} from '../../devices/codecs/zigbee2mqtt.ts';
import { getProfile } from '../../devices/registry.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import type { SiteRuntime } from '../site/site-runtime.ts';
import { z2mAlarm } from '../site/unregistered-devices.ts';
import type { ClientIdentity } from './client-identity.ts';

/** What became of one PUBLISH. `refuse` closes the client's connection ([MQTT-3.3.5-2]). */
export type PublishOutcome =
  | { kind: 'accepted' }
  | { kind: 'ignored'; why: string }
  | { kind: 'rejected'; rejected: Rejected; refuse: boolean };

/**
 * Turns an authorised client's PUBLISH into readings for its site. Runs inside aedes'
 * `authorizePublish`, before the PUBACK: a reading the rules turn into an event is durable
 * before the device hears "received" (nothing lost).
 */
export class MqttIngest {
  constructor(private readonly sites: SiteRegistry, private readonly clock: () => number) {}

  handle(who: ClientIdentity, packet: PublishPacket): PublishOutcome {
    const runtime = this.sites.get(who.siteId);
    if (!runtime) return refused(reject('unknown_site', `site "${who.siteId}" is not watched by this gateway`));
    return who.role === 'device' ? this.fromDevice(who, runtime, packet) : this.fromBridge(who, runtime, packet);
  }

  /** The base topic of a bridge client's bridge, for its subscriptions. */
  baseTopicOf(who: ClientIdentity): string | undefined {
    if (who.role !== 'bridge') return undefined;
    return this.sites.get(who.siteId)?.site.file.bridges.find((b) => b.name === who.bridge)?.baseTopic;
  }

  private fromDevice(who: Extract<ClientIdentity, { role: 'device' }>, runtime: SiteRuntime, packet: PublishPacket): PublishOutcome {
    const topic = parseNativeTopic(packet.topic);
    // A device publishes only to its own topics (CONTRACT.md "Device side").
    if (!topic || topic.siteId !== who.siteId || topic.deviceId !== who.deviceId) {
      return refused(reject('topic', `"${who.username}" may publish only to carewatch/${who.siteId}/devices/${who.deviceId}/{state,availability}, not "${packet.topic}"`));
    }
    const device = runtime.site.devices.get(who.deviceId);
    if (!device) return dropped(reject('unknown_device', `device "${who.deviceId}" is not in site "${who.siteId}"`));
    const receivedAt = this.clock();
    const payload = payloadBytes(packet);
    const base = { siteId: who.siteId, deviceId: device.id, receivedAt, source: { transport: 'mqtt' as const } };
    if (topic.kind === 'availability') {
      if (payload.length === 0) return { kind: 'ignored', why: 'retained availability deleted' };
      const a = decodeNativeAvailability(payload);
      return a.ok ? this.push(runtime, { ...base, type: 'availability', ts: receivedAt, online: a.value.online }) : dropped(a);
    }
    const profile = getProfile(device.profileId);
    if (!profile) return dropped(reject('unknown_device', `device "${device.id}" has no known profile`));
    // A field the device's profile does not have means the site file names the wrong profile:
    // refused and counted, rather than fed to rules that are not watching for it.
    const s = decodeNativeStateForProfile(payload, receivedAt, profile);
    if (!s.ok) return dropped(s);
    return this.push(runtime, {
      ...base, type: 'state', ts: s.value.ts, fields: s.value.fields, ...(s.value.seq !== undefined ? { seq: s.value.seq } : {}),
    });
  }

  private fromBridge(who: Extract<ClientIdentity, { role: 'bridge' }>, runtime: SiteRuntime, packet: PublishPacket): PublishOutcome {
    const bridge = runtime.site.file.bridges.find((b) => b.name === who.bridge);
    if (!bridge) return refused(reject('topic', `bridge "${who.bridge}" is not in site "${who.siteId}"`));
    const topic = parseZ2mTopic(bridge.baseTopic, packet.topic);
    if (!topic) return refused(reject('topic', `bridge "${who.bridge}" may publish only under "${bridge.baseTopic}/", not "${packet.topic}"`));
    return ingestZ2m(runtime, who.bridge, topic, payloadBytes(packet), this.clock());
  }

  private push(runtime: SiteRuntime, reading: Reading): PublishOutcome {
    runtime.push(reading);
    return { kind: 'accepted' };
  }
}

/**
 * One Zigbee2MQTT message of a bridge into readings; shared by the embedded broker's bridge
 * clients and the bridge to an external broker.
 */
export function ingestZ2m(
  runtime: SiteRuntime,
  bridgeName: string,
  topic: NonNullable<ReturnType<typeof parseZ2mTopic>>,
  payload: Buffer,
  receivedAt: number,
): PublishOutcome {
  const link = `zigbee2mqtt:${bridgeName}`;
  const source = { transport: 'zigbee2mqtt' as const, link };
  switch (topic.kind) {
    case 'ignored':
      return { kind: 'ignored', why: topic.why };
    case 'action':
      // Legacy `<name>/action` repeats the event the state topic already carried: count it once
      // (fixtures README §1 "Actions are events, not state").
      return { kind: 'ignored', why: 'legacy action topic duplicates the state message' };
    case 'bridge': {
      if (topic.sub !== 'state') return { kind: 'ignored', why: `bridge/${topic.sub}` };
      const s = decodeZ2mBridgeState(payload);
      if (!s.ok) return dropped(s);
      runtime.pushLink({ siteId: runtime.site.id, link, transport: 'zigbee2mqtt', up: s.value.online, ts: receivedAt });
      return { kind: 'accepted' };
    }
    case 'availability':
    case 'state': {
      const device = runtime.site.byAddress.get(`z2m:${topic.friendlyName}`);
      if (!device && isLocalSounder(runtime.site.file, bridgeName, topic.friendlyName)) {
        // A siren the gateway drives (contract/local-sounder.ts) reports its own state: not an unknown device.
        return { kind: 'ignored', why: 'local sounder' };
      }
      if (!device) {
        // Never nothing (issue 15): counted, logged and raised as device.unregistered, naming it.
        if (topic.kind === 'state') {
          runtime.reportUnregistered({
            transport: 'zigbee2mqtt', link, address: `z2m:${topic.friendlyName}`, ts: receivedAt,
            label: `Zigbee2MQTT friendly name "${topic.friendlyName}" on ${link}`, alarm: z2mAlarm(payload),
          });
        }
        return dropped(reject('unknown_device', `no device with friendly name "${topic.friendlyName}" in site "${runtime.site.id}"`));
      }
      const base = { siteId: runtime.site.id, deviceId: device.id, receivedAt, source };
      if (topic.kind === 'availability') {
        const a = decodeZ2mAvailability(payload);
        if (!a.ok) return dropped(a);
        if ('removed' in a.value) return { kind: 'ignored', why: 'retained availability deleted (rename or removal)' };
        runtime.push({ ...base, type: 'availability', ts: receivedAt, online: a.value.online });
        return { kind: 'accepted' };
      }
      const profile = getProfile(device.profileId);
      if (!profile) return dropped(reject('unknown_device', `device "${device.id}" has no known profile`));
      const s = decodeZ2mState(payload, profile, device.device.model);
      if (!s.ok) return dropped(s);
      if (Object.keys(s.value.fields).length === 0) return { kind: 'ignored', why: 'no field we watch' };
      runtime.push({ ...base, type: 'state', ts: s.value.ts ?? receivedAt, fields: s.value.fields });
      return { kind: 'accepted' };
    }
  }
}

function payloadBytes(packet: PublishPacket): Buffer {
  return typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
}

/** Bad content from an authorised client: acknowledged at MQTT level, counted, not processed. */
function dropped(r: Rejected): PublishOutcome {
  return { kind: 'rejected', rejected: r, refuse: false };
}

/** A client stepping outside its rights: the connection is closed. */
function refused(r: Rejected): PublishOutcome {
  return { kind: 'rejected', rejected: r, refuse: true };
}

function isLocalSounder(file: SiteRuntime['site']['file'], bridgeName: string, friendlyName: string): boolean {
  return file.sounders.some((s) => s.friendlyName === friendlyName && (s.bridge ?? file.bridges[0]?.name) === bridgeName);
}
