import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError, parseCommandLine } from '../../contract/index.ts';
import { ApiClient, ApiError } from './api-client.ts';

const HELP = `carewatch admin <object> <action> [arguments] [options]

Provisioning through the server's admin API (/api/v1/admin): applied at once to the running
server and to the gateways, which pull their sites. Secrets are shown once.

  login --user NAME [--password-file FILE]   sign in (password from the file or CAREWATCH_PASSWORD);
                                             the session token goes to the session file (0600)
  logout | whoami

  region list | region import FILE.yaml | region put ID --parent ID|- --name NAME | region rm ID
  site list | site show ID | site rm ID
  site put FILE.yaml|json --gateway ID [--sheet OUT.html|.csv]   add or replace a site (its document)
  site sheet ID [--format html|csv] [--lang zh|en] [--new-secrets] [--out FILE]
                                             the installer's sheet; --new-secrets issues new MQTT
                                             passwords (the old ones stop) and prints them on it
  device put SITE ID --profile P --transport T [--room R] [--resident R] [--name TEXT]
             [--imei N] [--friendly-name N] [--bridge B] [--model M] [--platform P --platform-device-id ID]
             [--mqtt-username U]                         (or --json '{…}' / --file F with the device)
  device rm SITE ID
  gateway list | gateway put ID [--region ID] [--rotate] [--token-out FILE] | gateway rm ID
  integration list | integration put NAME --role R [--region ID]... [--site ID]... [--all]
             [--rotate] [--token-out FILE] | integration rm NAME
  user list | user put NAME --role staff|callcentre|firedept|admin [--region ID]... [--site ID]...
             [--all] [--password-file FILE] | user rm NAME
  resident export SITE ID [--out FILE] | resident erase SITE ID --reason TEXT

Options for every command:
  --server URL          the server   (CAREWATCH_SERVER_URL, default http://127.0.0.1:8080)
  --token-file FILE     a token to use (or CAREWATCH_TOKEN); else the session file
  --session-file FILE   where login keeps the session (CAREWATCH_SESSION_FILE, default ~/.carewatch/session)
`;

const OPTIONS = {
  server: { type: 'string' }, 'token-file': { type: 'string' }, 'session-file': { type: 'string' },
  user: { type: 'string' }, 'password-file': { type: 'string' },
  parent: { type: 'string' }, name: { type: 'string' },
  gateway: { type: 'string' }, sheet: { type: 'string' }, format: { type: 'string' }, lang: { type: 'string' },
  'new-secrets': { type: 'boolean' }, out: { type: 'string' },
  profile: { type: 'string' }, transport: { type: 'string' }, room: { type: 'string' }, resident: { type: 'string' },
  imei: { type: 'string' }, 'friendly-name': { type: 'string' }, bridge: { type: 'string' }, model: { type: 'string' },
  platform: { type: 'string' }, 'platform-device-id': { type: 'string' }, 'mqtt-username': { type: 'string' },
  json: { type: 'string' }, file: { type: 'string' },
  region: { type: 'string', multiple: true }, site: { type: 'string', multiple: true }, all: { type: 'boolean' },
  role: { type: 'string' }, rotate: { type: 'boolean' }, 'token-out': { type: 'string' }, reason: { type: 'string' },
} as const;
type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const COMMON = ['server', 'token-file', 'session-file'];
const DEVICE_FLAGS = ['profile', 'transport', 'room', 'resident', 'name', 'imei', 'friendly-name', 'bridge', 'model', 'platform', 'platform-device-id', 'mqtt-username', 'json', 'file'];
const GRANT_FLAGS = ['role', 'region', 'site', 'all'];

interface Command {
  /** Positional arguments after `<object> <action>`. */
  args: string[];
  flags: string[];
  run: (ctx: Context, args: string[], v: Values) => Promise<void>;
}

interface Context {
  api: ApiClient;
  out: (line: string) => void;
  sessionFile: string;
}

const COMMANDS: Record<string, Command> = {
  'login': { args: [], flags: ['user', 'password-file'], run: login },
  'logout': { args: [], flags: [], run: async (ctx) => { await ctx.api.json('DELETE', '/session'); rmSync(ctx.sessionFile, { force: true }); ctx.out('signed out'); } },
  'whoami': { args: [], flags: [], run: async (ctx) => ctx.out(JSON.stringify(await ctx.api.json('GET', '/session'))) },

  'region list': { args: [], flags: [], run: async (ctx) => {
    const { regions } = await ctx.api.json<{ regions: Array<{ id: string; parentId: string | null; level: string; name: string }> }>('GET', '/admin/regions');
    for (const r of regions) ctx.out(`${r.level.padEnd(9)} ${r.id.padEnd(32)} ${r.name}${r.parentId ? `  (in ${r.parentId})` : ''}`);
  } },
  'region import': { args: ['FILE'], flags: [], run: async (ctx, [file]) => {
    ctx.out(JSON.stringify(await ctx.api.json('POST', '/admin/regions/import', readDocument(file!))));
  } },
  'region put': { args: ['ID'], flags: ['parent', 'name'], run: async (ctx, [id], v) => {
    if (!v.parent || !v.name) throw new UsageError('region put needs --parent ID (or - for a city) and --name NAME');
    const r = await ctx.api.json<{ created: boolean; node: { level: string } }>('PUT', `/admin/regions/${seg(id!)}`, { parentId: v.parent === '-' ? null : v.parent, name: v.name });
    ctx.out(`${r.created ? 'added' : 'changed'} ${r.node.level} ${id}`);
  } },
  'region rm': { args: ['ID'], flags: [], run: async (ctx, [id]) => { await ctx.api.json('DELETE', `/admin/regions/${seg(id!)}`); ctx.out(`removed region ${id}`); } },

  'site list': { args: [], flags: [], run: async (ctx) => {
    const { sites } = await ctx.api.json<{ sites: Array<{ siteId: string; kind: string; regionId: string; gatewayId: string }> }>('GET', '/admin/sites');
    for (const s of sites) ctx.out(`${s.siteId.padEnd(24)} ${s.kind.padEnd(11)} ${s.regionId.padEnd(32)} ${s.gatewayId}`);
  } },
  'site show': { args: ['ID'], flags: [], run: async (ctx, [id]) => ctx.out(JSON.stringify(await ctx.api.json('GET', `/admin/sites/${seg(id!)}`), null, 2)) },
  'site rm': { args: ['ID'], flags: [], run: async (ctx, [id]) => { await ctx.api.json('DELETE', `/admin/sites/${seg(id!)}`); ctx.out(`removed site ${id}`); } },
  'site put': { args: ['FILE'], flags: ['gateway', 'sheet'], run: async (ctx, [file], v) => {
    const document = readDocument(file!) as { site?: { id?: string } };
    const siteId = document?.site?.id;
    if (typeof siteId !== 'string') throw new UsageError(`${file}: no site.id in the document`);
    const r = await ctx.api.json<{ created: boolean; version: number; issued: Array<{ username: string; password: string; subject: string }> }>(
      'PUT', `/admin/sites/${seg(siteId)}`, { ...(v.gateway ? { gatewayId: v.gateway } : {}), document });
    ctx.out(`${r.created ? 'added' : 'changed'} site ${siteId} (version ${r.version})`);
    if (v.sheet) {
      const format = extname(v.sheet) === '.csv' ? 'csv' : 'html';
      writeSecret(v.sheet, await ctx.api.text('POST', `/admin/sites/${seg(siteId)}/sheet?format=${format}`));
      ctx.out(`installer's sheet with the site's MQTT logins: ${v.sheet} (mode 0600)`);
    } else {
      for (const s of r.issued) ctx.out(`MQTT login for ${s.subject} (shown once): ${s.username} ${s.password}`);
    }
  } },
  'site sheet': { args: ['ID'], flags: ['format', 'lang', 'new-secrets', 'out'], run: async (ctx, [id], v) => {
    const format = v.format ?? (v.out && extname(v.out) === '.csv' ? 'csv' : 'html');
    if (!['html', 'csv', 'json'].includes(format)) throw new UsageError(`--format must be html, csv or json, got "${format}"`);
    const sheet = await ctx.api.text(v['new-secrets'] ? 'POST' : 'GET', `/admin/sites/${seg(id!)}/sheet?format=${format}&lang=${v.lang ?? 'zh'}`);
    if (v.out) { writeSecret(v.out, sheet); ctx.out(`installer's sheet: ${v.out}`); } else ctx.out(sheet);
  } },

  'device put': { args: ['SITE', 'ID'], flags: DEVICE_FLAGS, run: async (ctx, [site, id], v) => {
    const device = deviceOf(id!, v);
    const r = await ctx.api.json<{ version: number; issued: Array<{ username: string; password: string; subject: string }> }>('PUT', `/admin/sites/${seg(site!)}/devices/${seg(id!)}`, device);
    ctx.out(`device ${id} of ${site} put (version ${r.version})`);
    for (const s of r.issued) ctx.out(`MQTT login for ${s.subject} (shown once): ${s.username} ${s.password}`);
  } },
  'device rm': { args: ['SITE', 'ID'], flags: [], run: async (ctx, [site, id]) => { await ctx.api.json('DELETE', `/admin/sites/${seg(site!)}/devices/${seg(id!)}`); ctx.out(`removed device ${id} of ${site}`); } },

  ...machineCommands('gateway'),
  ...machineCommands('integration'),

  'user list': { args: [], flags: [], run: async (ctx) => {
    const { users } = await ctx.api.json<{ users: Array<{ username: string; role: string; grant: { all: boolean; regions: string[]; sites: string[] } }> }>('GET', '/admin/users');
    for (const u of users) ctx.out(`${u.username.padEnd(24)} ${u.role.padEnd(11)} ${describeGrant(u.grant)}`);
  } },
  'user put': { args: ['NAME'], flags: [...GRANT_FLAGS, 'password-file'], run: async (ctx, [name], v) => {
    const password = v['password-file'] ? readFileSync(v['password-file'], 'utf8').trim() : undefined;
    const r = await ctx.api.json<{ created: boolean; password?: string }>('PUT', `/admin/users/${seg(name!)}`, { role: requireRole(v), grant: grantOf(v), ...(password ? { password } : {}) });
    ctx.out(`${r.created ? 'added' : 'changed'} user ${name}`);
    if (r.password) ctx.out(`password (shown once): ${r.password}`);
  } },
  'user rm': { args: ['NAME'], flags: [], run: async (ctx, [name]) => { await ctx.api.json('DELETE', `/admin/users/${seg(name!)}`); ctx.out(`removed user ${name}`); } },

  'resident export': { args: ['SITE', 'ID'], flags: ['out'], run: async (ctx, [site, id], v) => {
    const body = await ctx.api.text('GET', `/admin/sites/${seg(site!)}/residents/${seg(id!)}/export`);
    if (v.out) { writeSecret(v.out, body); ctx.out(`exported resident ${id} of ${site}: ${v.out} (mode 0600)`); } else ctx.out(body);
  } },
  'resident erase': { args: ['SITE', 'ID'], flags: ['reason'], run: async (ctx, [site, id], v) => {
    if (!v.reason) throw new UsageError('resident erase needs --reason TEXT (it is audited)');
    await ctx.api.json('DELETE', `/admin/sites/${seg(site!)}/residents/${seg(id!)}`, { reason: v.reason });
    ctx.out(`erased resident ${id} of ${site}`);
  } },
};

function machineCommands(kind: 'gateway' | 'integration'): Record<string, Command> {
  const path = `/admin/${kind}s`;
  return {
    [`${kind} list`]: { args: [], flags: [], run: async (ctx) => {
      const { machines } = await ctx.api.json<{ machines: Array<{ name: string; role: string; regionId: string | null; sites?: string[] }> }>('GET', path);
      for (const m of machines) ctx.out(`${m.name.padEnd(24)} ${m.role.padEnd(11)} ${m.regionId ?? '-'}${m.sites ? `  sites: ${m.sites.length}` : ''}`);
    } },
    [`${kind} put`]: { args: ['NAME'], flags: kind === 'gateway' ? ['region', 'rotate', 'token-out'] : [...GRANT_FLAGS, 'rotate', 'token-out'], run: async (ctx, [name], v) => {
      if ((v.region?.length ?? 0) > 1 && kind === 'gateway') throw new UsageError('a gateway is managed under one --region');
      const body = kind === 'gateway'
        ? { regionId: v.region?.[0] ?? null, rotate: v.rotate ?? false }
        : { role: requireRole(v), grant: grantOf(v), regionId: v.region?.[0] ?? null, rotate: v.rotate ?? false };
      const r = await ctx.api.json<{ created: boolean; token?: string }>('PUT', `${path}/${seg(name!)}`, body);
      ctx.out(`${r.created ? 'added' : 'changed'} ${kind} ${name}`);
      if (r.token && v['token-out']) { writeSecret(v['token-out'], `${r.token}\n`); ctx.out(`token: ${v['token-out']} (mode 0600)`); } else if (r.token) ctx.out(`token (shown once): ${r.token}`);
    } },
    [`${kind} rm`]: { args: ['NAME'], flags: [], run: async (ctx, [name]) => { await ctx.api.json('DELETE', `${path}/${seg(name!)}`); ctx.out(`removed ${kind} ${name}`); } },
  };
}

/** Every `carewatch admin` command (`object action`), for the command-line test. */
export const ADMIN_COMMANDS = Object.keys(COMMANDS);

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, OPTIONS, true);
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const values = parsed.values as Values;
  const [object, action, ...rest] = parsed.positionals;
  const key = ['login', 'logout', 'whoami'].includes(object ?? '') ? object! : `${object ?? ''} ${action ?? ''}`;
  const command = COMMANDS[key];
  if (!object) throw new UsageError('name what to do, e.g. `carewatch admin site list`');
  if (!command) throw new UsageError(`unknown command "${[object, action].filter(Boolean).join(' ')}"`);
  const args = key.includes(' ') ? rest : [action, ...rest].filter((x): x is string => x !== undefined);
  if (args.length !== command.args.length) throw new UsageError(`${key} takes ${command.args.length ? command.args.join(' ') : 'no arguments'}, got ${args.length ? args.join(' ') : 'none'}`);
  const stray = Object.keys(values).filter((f) => !COMMON.includes(f) && !command.flags.includes(f));
  if (stray.length > 0) throw new UsageError(`--${stray[0]} does not apply to \`${key}\``);

  const env = process.env;
  const sessionFile = values['session-file'] ?? env.CAREWATCH_SESSION_FILE ?? join(homedir(), '.carewatch', 'session');
  const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim()
    : env.CAREWATCH_TOKEN ?? (key !== 'login' && existsSync(sessionFile) ? readFileSync(sessionFile, 'utf8').trim() : undefined);
  if (!token && key !== 'login') throw new UsageError('not signed in: run `carewatch admin login --user NAME`, or give --token-file');
  const api = new ApiClient((values.server ?? env.CAREWATCH_SERVER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, ''), token);
  try {
    await command.run({ api, out: (line) => process.stdout.write(`${line}\n`), sessionFile }, args, values);
    return 0;
  } catch (error) {
    if (error instanceof ApiError) {
      process.stderr.write(`carewatch admin: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function login(ctx: Context, _args: string[], v: Values): Promise<void> {
  if (!v.user) throw new UsageError('login needs --user NAME');
  const password = v['password-file'] ? readFileSync(v['password-file'], 'utf8').replace(/\r?\n$/, '') : process.env.CAREWATCH_PASSWORD;
  if (!password) throw new UsageError('login needs a password: --password-file FILE or CAREWATCH_PASSWORD');
  const session = await ctx.api.json<{ token: string; expiresAt: number; role: string }>('POST', '/session', { username: v.user, password });
  writeSecret(ctx.sessionFile, `${session.token}\n`);
  ctx.out(`signed in as ${v.user} (${session.role}) until ${new Date(session.expiresAt).toISOString()}; session in ${ctx.sessionFile}`);
}

function deviceOf(id: string, v: Values): unknown {
  if (v.json || v.file) return { id, ...(JSON.parse(v.json ?? readFileSync(v.file!, 'utf8')) as object) };
  if (!v.profile || !v.transport) throw new UsageError('device put needs --profile and --transport (or --json / --file)');
  const device: Record<string, unknown> = { id, profile: v.profile, transport: v.transport };
  const set = (key: string, value: string | undefined) => { if (value !== undefined) device[key] = value; };
  set('name', v.name); set('roomId', v.room); set('residentId', v.resident); set('watchId', v.imei); set('friendlyName', v['friendly-name']);
  set('bridge', v.bridge); set('model', v.model); set('platform', v.platform); set('platformDeviceId', v['platform-device-id']); set('mqttUsername', v['mqtt-username']);
  return device;
}

function requireRole(v: Values): string {
  if (!v.role) throw new UsageError('--role is required (staff, callcentre, firedept or admin)');
  return v.role;
}

function grantOf(v: Values): { all: boolean; regions: string[]; sites: string[] } {
  return { all: v.all ?? false, regions: v.region ?? [], sites: v.site ?? [] };
}

function describeGrant(g: { all: boolean; regions: string[]; sites: string[] }): string {
  if (g.all) return 'everything';
  return [...g.regions.map((r) => `region ${r}`), ...g.sites.map((s) => `site ${s}`)].join(', ') || 'nothing';
}

function readDocument(file: string): unknown {
  if (!existsSync(file)) throw new UsageError(`no file ${file}`);
  const text = readFileSync(file, 'utf8');
  return /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
}

/** Secrets (tokens, sheets with passwords, exports) are written for their owner only. */
function writeSecret(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

const seg = (s: string) => encodeURIComponent(s);
