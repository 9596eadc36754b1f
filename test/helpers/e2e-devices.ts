import type { MqttClient } from 'mqtt';
import { nativeTopic } from '../../contract/index.ts';
import { type BrokerAddress, connectMqtt } from '../../simulators/devices/mqtt-device.ts';

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ResendingDeviceOptions extends BrokerAddress {
  username: string;
  password: string;
  siteId: string;
  deviceId: string;
  /** No PUBACK within this: the message counts as lost and is sent again on a new connection. */
  ackTimeoutMs?: number;
  /** The boolean state field toggled: `smoke` (default), or `water_leak` for a leak sensor. */
  field?: 'smoke' | 'water_leak';
}

/**
 * A native MQTT smoke detector that behaves as firmware does when its broker goes away: it sends
 * one QoS 1 message at a time, and a message not acknowledged when the connection drops is sent
 * again after it reconnects (MQTT 3.1.1 §4.4: "resend unacknowledged PUBLISH packets"). It keeps a
 * ledger of the states the gateway acknowledged, in order — what "accepted" means in the tests.
 * Each state carries the device time it was first sent with, unchanged on a resend.
 */
export class ResendingSmokeDetector {
  /** States the gateway acknowledged (PUBACK), oldest first. */
  readonly acked: boolean[] = [];
  /** Messages sent again because their PUBACK never came. */
  resent = 0;
  /** Messages sent again although their PUBACK came (a PUBACK lost on the way, simulated). */
  duplicated = 0;
  /** A message is on the wire and its PUBACK has not come yet. */
  pending = false;
  private client: MqttClient | undefined;
  private lastAckedPayload: string | undefined;
  private resendLastAcked = false;
  private stopped = false;

  constructor(private readonly opts: ResendingDeviceOptions) {}

  get deviceId(): string {
    return this.opts.deviceId;
  }

  get topic(): string {
    return nativeTopic(this.opts.siteId, this.opts.deviceId, 'state');
  }

  /** Toggles smoke true/false `count` times, `gapMs` apart, until all are acknowledged or `deadline` passes. */
  async toggle(count: number, opts: { gapMs?: number; deadline: number }): Promise<void> {
    for (let i = 0; i < count && !this.stopped; i++) {
      const smoke = !(this.acked.at(-1) ?? false);
      await this.send(JSON.stringify({ [this.opts.field ?? 'smoke']: smoke, ts: Date.now() }), opts.deadline);
      this.acked.push(smoke);
      if (opts.gapMs) await sleep(opts.gapMs);
    }
  }

  /**
   * After the next connection loss, also send the last acknowledged message again, as a device
   * does whose PUBACK was lost in the crash: from the gateway's side, a message it already took.
   */
  resendLastAckedAfterReconnect(): void {
    this.resendLastAcked = true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true).catch(() => undefined);
  }

  private async send(payload: string, deadline: number): Promise<void> {
    let attempt = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${this.opts.deviceId}: message not acknowledged before the deadline`);
      if (this.stopped) throw new Error(`${this.opts.deviceId}: stopped`);
      const client = await this.connected(deadline);
      // Only between messages: a device with a message in flight resends that one (counted in
      // `resent`); replaying an older acknowledged message after it would be a real state change.
      if (this.resendLastAcked && attempt === 0 && this.lastAckedPayload !== undefined) {
        this.resendLastAcked = false;
        if (!(await this.publishOnce(client, this.lastAckedPayload))) continue;
        this.duplicated += 1;
      }
      if (attempt++ > 0) this.resent += 1;
      if (await this.publishOnce(client, payload)) {
        this.lastAckedPayload = payload;
        return;
      }
    }
  }

  /** True when the PUBACK came; false (and the connection dropped) when it did not. */
  private async publishOnce(client: MqttClient, payload: string): Promise<boolean> {
    this.pending = true;
    let onClose: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const lost = new Promise<false>((resolve) => {
      onClose = () => resolve(false);
      client.once('close', onClose);
      timer = setTimeout(() => resolve(false), this.opts.ackTimeoutMs ?? 5000);
    });
    const acked = client.publishAsync(this.topic, payload, { qos: 1 }).then(() => true as const, () => false as const);
    const ok = await Promise.race([acked, lost]);
    clearTimeout(timer);
    if (onClose) client.off('close', onClose);
    this.pending = false;
    if (!ok) {
      // Drop the connection; whatever mqtt.js still holds for it is abandoned with it.
      this.client = undefined;
      client.end(true);
    }
    return ok;
  }

  private async connected(deadline: number): Promise<MqttClient> {
    if (this.client?.connected) return this.client;
    if (this.client) {
      this.client.end(true);
      this.client = undefined;
    }
    for (;;) {
      try {
        const client = await connectMqtt({ url: this.opts.url, ...(this.opts.ca ? { ca: this.opts.ca } : {}), username: this.opts.username, password: this.opts.password, clientId: this.opts.username });
        client.on('error', () => undefined);
        this.client = client;
        return client;
      } catch {
        if (Date.now() > deadline) throw new Error(`${this.opts.deviceId}: could not reconnect before the deadline`);
        await sleep(100);
      }
    }
  }
}

/** How many times the smoke state changed in an acknowledged sequence that started with smoke off. */
export function transitions(states: readonly boolean[]): number {
  let n = 0;
  let previous = false;
  for (const s of states) {
    if (s !== previous) n += 1;
    previous = s;
  }
  return n;
}
