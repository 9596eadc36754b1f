import { existsSync, readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type DeviceFields, nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { encodeZ2mState } from '../../devices/codecs/zigbee2mqtt.ts';
import { getProfile } from '../../devices/registry.ts';

/**
 * Where a device finds the gateway's broker: its URL and, for `mqtts://` (the gateway's default,
 * issue 16), the CA it was provisioned with (PEM text, so it crosses a process boundary as JSON).
 */
export interface BrokerAddress {
  url: string;
  ca?: string;
}

export interface MqttEndpoint extends BrokerAddress {
  username: string;
  password: string;
  clientId?: string;
}

/** The broker at `url`, trusting the CA in `caFile` when the URL is mqtts:// and the file is there. */
export function brokerAt(url: string, caFile: string | undefined): BrokerAddress {
  return url.startsWith('mqtts:') && caFile && existsSync(caFile) ? { url, ca: readFileSync(caFile, 'utf8') } : { url };
}

/** mqtt.js options that reach `broker`: its CA when it has one. Every device connection goes through here. */
export function brokerOptions(broker: BrokerAddress, opts: IClientOptions = {}): IClientOptions {
  return broker.ca ? { ...opts, ca: broker.ca } : opts;
}

/** Connects as a device or bridge would: clean session, TCP no-delay, availability as the will. */
export async function connectMqtt(ep: MqttEndpoint, will?: { topic: string; payload: string }): Promise<MqttClient> {
  const client = mqtt.connect(ep.url, brokerOptions(ep, {
    username: ep.username,
    password: ep.password,
    clientId: ep.clientId ?? `${ep.username}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true } } : {}),
  }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (err) => { client.end(true); reject(err); });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  // mqtt.js passes no socket options through; Nagle would hold small alarms ~20 ms (docs/architecture.md).
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  return client;
}

/** A native CareWatch device: publishes its state on its own topic, encoded with the device codec. */
export class NativeDeviceSim {
  constructor(private readonly client: MqttClient, readonly siteId: string, readonly deviceId: string) {}

  async publish(fields: DeviceFields, opts: { ts?: number; seq?: number } = {}): Promise<void> {
    await this.client.publishAsync(nativeTopic(this.siteId, this.deviceId, 'state'), encodeNativeState(fields, opts), { qos: 1 });
  }

  async availability(online: boolean): Promise<void> {
    await this.client.publishAsync(nativeTopic(this.siteId, this.deviceId, 'availability'), online ? 'online' : 'offline', { qos: 1, retain: true });
  }
}

/** A Zigbee2MQTT bridge publishing its devices' states as Zigbee2MQTT does. */
export class Z2mBridgeSim {
  constructor(private readonly client: MqttClient, readonly baseTopic = 'zigbee2mqtt') {}

  async publish(friendlyName: string, profileId: string, fields: DeviceFields, model?: string): Promise<void> {
    const profile = getProfile(profileId);
    if (!profile) throw new Error(`unknown profile ${profileId}`);
    await this.client.publishAsync(`${this.baseTopic}/${friendlyName}`, encodeZ2mState(fields, profile, model ? { model } : {}), { qos: 1 });
  }
}
