import { readFileSync } from 'node:fs';
import { GatewayCredentials, formatIssues, verifySecret } from '../../contract/index.ts';

/** Who an authenticated MQTT client is: a device of a site, or a Zigbee2MQTT bridge of a site. */
export type ClientIdentity =
  | { role: 'device'; username: string; siteId: string; deviceId: string }
  | { role: 'bridge'; username: string; siteId: string; bridge: string };

type Entry = GatewayCredentials['mqtt'][number];

/**
 * The MQTT clients this gateway accepts, from its credential file (hashed secrets only).
 * Reloadable: a home added at run time brings its devices' credentials with it.
 */
export class MqttCredentials {
  private byUsername = new Map<string, Entry>();

  static fromFile(path: string): MqttCredentials {
    const c = new MqttCredentials();
    c.load(path);
    return c;
  }

  load(path: string): void {
    const parsed = GatewayCredentials.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`${path}:\n  ${formatIssues(parsed.error).join('\n  ')}`);
    this.replace(parsed.data);
  }

  replace(creds: GatewayCredentials): void {
    this.byUsername = new Map(creds.mqtt.map((e) => [e.username, e]));
  }

  get size(): number {
    return this.byUsername.size;
  }

  /** The identity for a username/password, or the reason it was refused. */
  verify(username: string | undefined, password: Buffer | undefined): ClientIdentity | 'unknown user' | 'wrong password' | 'no credentials' {
    if (!username || !password) return 'no credentials';
    const entry = this.byUsername.get(username);
    if (!entry) return 'unknown user';
    if (!verifySecret(password.toString('utf8'), entry.secretHash)) return 'wrong password';
    return entry.role === 'device'
      ? { role: 'device', username, siteId: entry.siteId, deviceId: entry.subject }
      : { role: 'bridge', username, siteId: entry.siteId, bridge: entry.subject };
  }
}
