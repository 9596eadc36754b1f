import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { API_PREFIX } from '../../contract/index.ts';
import type { DemoCredentials, IssuedSecret, SiteFile } from '../../contract/index.ts';

export interface ApiProvisioning {
  serverUrl: string;
  /** The first administrator's password file the server wrote on its first start. */
  adminPasswordFile: string;
  /** The call network's region tree (`carewatch admin region import` shape). */
  regionsFile: string;
  gatewayId: string;
  sites: readonly SiteFile[];
}

/**
 * The demo provisions its sites the way an installer does (issue 17: "the demo provisions through
 * the same path"): signed in as the administrator, it imports the region tree and puts every site
 * through the admin API, naming the gateway that serves it; the gateway pulls them. MQTT secrets
 * the server issues (new devices and hubs only; a site put again keeps its logins) are copied into
 * the demo's credentials for the simulators. Returns the credentials, changed or not.
 */
export async function provisionThroughApi(opts: ApiProvisioning, creds: DemoCredentials): Promise<{ creds: DemoCredentials; changed: boolean }> {
  const call = async <T>(method: string, path: string, token: string | undefined, body?: unknown): Promise<T> => {
    const res = await fetch(`${opts.serverUrl}${API_PREFIX}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  const password = readFileSync(opts.adminPasswordFile, 'utf8').replace(/\r?\n$/, '');
  const { token } = await call<{ token: string }>('POST', '/session', undefined, { username: 'admin', password });
  let changed = false;
  try {
    await call('POST', '/admin/regions/import', token, parseYaml(readFileSync(opts.regionsFile, 'utf8')));
    for (const site of opts.sites) {
      const put = await call<{ issued: IssuedSecret[] }>('PUT', `/admin/sites/${site.site.id}`, token, { gatewayId: opts.gatewayId, document: site });
      for (const secret of put.issued) {
        if (secret.role === 'device') {
          const device = creds.devices.find((d) => d.siteId === site.site.id && d.deviceId === secret.subject);
          if (device) Object.assign(device, { mqttUsername: secret.username, mqttPassword: secret.password });
        } else {
          const bridge = creds.bridges.find((b) => b.siteId === site.site.id && b.name === secret.subject);
          if (bridge) Object.assign(bridge, { mqttUsername: secret.username, mqttPassword: secret.password });
        }
        changed = true;
      }
    }
  } finally {
    await call('DELETE', '/session', token).catch(() => undefined);
  }
  return { creds, changed };
}
