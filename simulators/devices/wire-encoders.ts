import { type Device, type DeviceFields, type SiteFile, type WireMessage, nativeTopic } from '../../contract/index.ts';
import { encodeNativeAvailability, encodeNativeState, encodeZ2mAvailability, encodeZ2mState } from '../../devices/encode.ts';
import { encodeComponentStatusData, encodeGb26875Frame } from '../../devices/codecs/gb26875/index.ts';
import { encodeRflinkLine } from '../../devices/codecs/rflink/index.ts';
import { encodeWatchFrame } from '../../devices/codecs/watch3g/index.ts';
import { getProfile } from '../../devices/registry.ts';
import { buildPush } from './platform-sim.ts';

/**
 * What one device sends over its own link, encoded with the devices/ codecs: the wire messages a
 * scenario step becomes. The same messages go over real sockets (real and accelerated runs) or
 * into the gateway's replay (virtual runs), so every mode exercises the decoders.
 */
export interface DeviceWire {
  site: SiteFile;
  device: Device;
  /** Device time (epoch ms) written into the message where the protocol carries one. */
  ts: number;
  /** Tokens the gateway holds per platform (signatures), e.g. `{ ctwing: '…' }`. */
  platformSecrets?: Record<string, string>;
  /** A per-device counter for serial sequence numbers and message ids. */
  seq: number;
}

/** Encodes a state report; undefined when the device's link cannot carry these fields. */
export function encodeState(w: DeviceWire, fields: DeviceFields): WireMessage[] {
  const { site, device } = w;
  const siteId = site.site.id;
  const profile = getProfile(device.profile);
  switch (device.transport) {
    case 'mqtt':
      return [{ via: 'mqtt', client: { role: 'device', siteId, deviceId: device.id }, topic: nativeTopic(siteId, device.id, 'state'), payload: encodeNativeState(fields, { ts: w.ts, seq: w.seq }) }];
    case 'zigbee2mqtt': {
      if (!profile) throw new Error(`${device.id}: unknown profile ${device.profile}`);
      const bridge = bridgeOf(site, device);
      return [{ via: 'mqtt', client: { role: 'bridge', siteId, bridge: bridge.name }, topic: `${bridge.baseTopic}/${device.friendlyName}`, payload: encodeZ2mState(fields, profile, device.model ? { model: device.model } : {}) }];
    }
    case 'rflink':
      return [serial(site, 'rflink', Buffer.from(rflinkLine(device, fields, w.seq), 'latin1'))];
    case 'gb26875':
      return [serial(site, 'gb26875', gbFrame(device, fields, w.ts, w.seq))];
    case 'watch3g':
      return watchFrames(device, fields, w.ts).map((bytes) => ({ via: 'watch', connection: device.watchId!, bytes: bytes.toString('base64') }));
    case 'platform': {
      const platform = device.platform!;
      const push = buildPush(platform, { platformDeviceId: device.platformDeviceId!, data: platformData(fields), ts: w.ts }, w.platformSecrets?.[platform]);
      return [{ via: 'push', path: push.path, headers: push.headers, body: push.body }];
    }
  }
}

/** Availability as the link says it (native will / Zigbee2MQTT availability / platform online notice). */
export function encodeAvailability(w: DeviceWire, online: boolean): WireMessage[] {
  const { site, device } = w;
  const siteId = site.site.id;
  switch (device.transport) {
    case 'mqtt':
      return [{ via: 'mqtt', client: { role: 'device', siteId, deviceId: device.id }, topic: nativeTopic(siteId, device.id, 'availability'), payload: encodeNativeAvailability(online), retain: true }];
    case 'zigbee2mqtt': {
      const bridge = bridgeOf(site, device);
      return [{ via: 'mqtt', client: { role: 'bridge', siteId, bridge: bridge.name }, topic: `${bridge.baseTopic}/${device.friendlyName}/availability`, payload: encodeZ2mAvailability(online), retain: true }];
    }
    case 'platform': {
      const push = buildPush(device.platform!, { platformDeviceId: device.platformDeviceId!, online, ts: w.ts }, w.platformSecrets?.[device.platform!]);
      return [{ via: 'push', path: push.path, headers: push.headers, body: push.body }];
    }
    default:
      throw new Error(`${device.id}: a ${device.transport} device has no availability message; use "goes silent"`);
  }
}

/** A routine report that says "alive" and nothing else worth an alarm. */
export function encodeRoutine(w: DeviceWire, battery: number): WireMessage[] {
  const { device } = w;
  if (device.transport === 'watch3g') {
    return [{ via: 'watch', connection: device.watchId!, bytes: encodeWatchFrame({ deviceId: device.watchId!, vendor: '3G', type: 'LK', battery, steps: 0 }).toString('base64') }];
  }
  if (device.transport === 'rflink') return encodeState(w, { battery_low: false });
  if (device.transport === 'gb26875') return encodeState(w, { fault: false });
  const profile = getProfile(device.profile);
  if (!profile || profile.fields.includes('battery')) return encodeState(w, { battery });
  // No battery (a mains-powered flow switch): its quiet state, without anything that is an alarm or activity.
  const quiet = Object.fromEntries(Object.entries(profile.sample).filter(([k, v]) => v !== true && k !== 'action'));
  return encodeState(w, quiet);
}

/** A frame or line exactly as given, over the device's link. */
export function encodeFrame(w: DeviceWire, frame: string): WireMessage[] {
  const { site, device } = w;
  switch (device.transport) {
    case 'watch3g': return [{ via: 'watch', connection: device.watchId!, bytes: Buffer.from(frame, 'latin1').toString('base64') }];
    case 'rflink': return [serial(site, 'rflink', Buffer.from(frame.endsWith('\n') ? frame : `${frame}\r\n`, 'latin1'))];
    case 'gb26875': return [serial(site, 'gb26875', Buffer.from(frame.replace(/\s+/g, ''), 'hex'))];
    default: {
      const [m] = encodeState(w, {});
      if (m?.via === 'mqtt') return [{ ...m, payload: frame }];
      if (m?.via === 'push') return [{ ...m, body: frame }];
      throw new Error(`${device.id}: no raw frames for ${device.transport}`);
    }
  }
}

/** `n` payloads no codec accepts, over the device's link: truncated JSON, a broken checksum, a cut frame. */
export function encodeMalformed(w: DeviceWire, n: number): WireMessage[] {
  const { device } = w;
  const out: WireMessage[] = [];
  for (let i = 0; i < n; i++) {
    switch (device.transport) {
      case 'gb26875': {
        const good = gbFrame(device, { smoke: false }, w.ts, w.seq + i);
        good[good.length - 3] = (good[good.length - 3]! + 1) & 0xff; // sum-8 checksum off by one
        out.push(serial(w.site, 'gb26875', good));
        break;
      }
      case 'rflink': out.push(...encodeFrame(w, `20;${(i & 0xff).toString(16).padStart(2, '0')};EV1527;ID=zz;CMD=`)); break;
      case 'watch3g': out.push(...encodeFrame(w, `[3G*${device.watchId}*ZZZZ*LK`)); break;
      default: out.push(...encodeFrame(w, `{"smoke": tru${i}`));
    }
  }
  return out;
}

function bridgeOf(site: SiteFile, device: Device) {
  const bridge = device.bridge ? site.bridges.find((b) => b.name === device.bridge) : site.bridges[0];
  if (!bridge) throw new Error(`${device.id}: site ${site.site.id} has no Zigbee2MQTT bridge`);
  return bridge;
}

function serial(site: SiteFile, framing: 'rflink' | 'gb26875', bytes: Buffer): WireMessage {
  const port = site.serial.find((p) => p.framing === framing);
  if (!port) throw new Error(`site ${site.site.id} has no ${framing} serial port`);
  return { via: 'serial', siteId: site.site.id, port: port.path, bytes: bytes.toString('base64') };
}

/** RFLink: the profile decides what ON/OFF means (devices/codecs/rflink/fields.ts), so this is its inverse. */
function rflinkLine(device: Device, fields: DeviceFields, seq: number): string {
  const on = fields.smoke ?? fields.heat ?? fields.water_flow ?? fields.water_leak ?? fields.presence ?? fields.occupancy
    ?? (fields.action !== undefined ? fields.action !== 'cancel' : undefined)
    ?? (fields.contact !== undefined ? !fields.contact : undefined);
  const values: Record<string, string> = {};
  if (fields.battery_low !== undefined) values.BAT = fields.battery_low ? 'LOW' : 'OK';
  const a = device.rflink!;
  return encodeRflinkLine({ protocol: a.protocol, id: a.id, ...(a.switch !== undefined ? { switch: a.switch } : {}), ...(on !== undefined ? { cmd: on ? 'ON' : 'OFF' } : {}), values }, seq);
}

/** GB/T 26875.3 command 2, type 2 (component status): 40 = point smoke detector, 30 = point heat, 96 = flow indicator. */
function gbFrame(device: Device, fields: DeviceFields, ts: number, seq: number): Buffer {
  const a = device.gb26875!;
  const componentType = device.profile === 'heat-detector' ? 30 : device.profile === 'sprinkler-flow-switch' ? 96 : 40;
  const alarm = fields.smoke ?? fields.heat ?? fields.water_flow ?? false;
  const appData = encodeComponentStatusData([{
    systemType: 1, systemAddress: a.systemAddress, componentType, componentAddress: a.componentAddress,
    status: { normal_running: !alarm && !fields.fault, fire_alarm: alarm, fault: fields.fault === true }, time: ts,
  }]);
  return encodeGb26875Frame({ serial: seq & 0xffff, time: ts, source: 0x1001, destination: 0, command: 2, appData });
}

/** 3G*: alarms as an `AL` report with the STATUS bits; vitals as their own frames; battery/steps in `LK`. */
function watchFrames(device: Device, fields: DeviceFields, ts: number): Buffer[] {
  const deviceId = device.watchId!;
  const out: Buffer[] = [];
  if (fields.sos || fields.fall || fields.worn === false) {
    out.push(encodeWatchFrame({ deviceId, vendor: '3G', type: 'AL', at: ts, sos: fields.sos === true, fall: fields.fall === true, takenOff: fields.worn === false,
      ...(fields.latitude !== undefined ? { latitude: fields.latitude, longitude: fields.longitude! } : {}), ...(fields.battery !== undefined ? { battery: fields.battery } : {}) }));
  } else if (fields.latitude !== undefined) {
    out.push(encodeWatchFrame({ deviceId, vendor: '3G', type: 'UD', at: ts, latitude: fields.latitude, longitude: fields.longitude! }));
  }
  if (fields.heart_rate !== undefined) out.push(encodeWatchFrame({ deviceId, vendor: '3G', type: 'heart', heartRate: fields.heart_rate }));
  if (fields.spo2 !== undefined) out.push(encodeWatchFrame({ deviceId, vendor: '3G', type: 'oxygen', spo2: fields.spo2 }));
  if (out.length === 0) out.push(encodeWatchFrame({ deviceId, vendor: '3G', type: 'LK', ...(fields.battery !== undefined ? { battery: fields.battery } : {}), ...(fields.steps !== undefined ? { steps: fields.steps } : {}) }));
  return out;
}

/** Platform service data in the common detector template (`smoke_state`, `battery_value`); other fields by their own names. */
function platformData(fields: DeviceFields): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'smoke') data.smoke_state = v ? 1 : 0;
    else if (k === 'battery') data.battery_value = v;
    else data[k] = v;
  }
  return data;
}
