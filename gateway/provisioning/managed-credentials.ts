import { existsSync, readFileSync } from 'node:fs';
import { GatewayCredentials, formatIssues } from '../../contract/index.ts';

/**
 * The logins of the gateway's credential file (contract `GatewayCredentials`). Optional when the
 * server manages the gateway's sites (their logins come with them); required otherwise, as before.
 */
export function readCredentialFile(path: string, optional: boolean): GatewayCredentials['mqtt'] {
  if (optional && !existsSync(path)) return [];
  const parsed = GatewayCredentials.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}:\n  ${formatIssues(parsed.error).join('\n  ')}`);
  return parsed.data.mqtt;
}
