import { z } from 'zod';
import { GatewayCredentials } from './credentials.ts';
import { SiteId } from './ids.ts';

/**
 * `GET /api/v1/gateway/config?since=N&waitSec=S` (gateway token): the sites the server assigns
 * this gateway, with their devices' MQTT credential hashes, changed after version N. The gateway
 * writes them into its managed site folder and its site hot-reload takes them from there
 * (docs/provisioning.md). With `waitSec` the server holds the request until something changes
 * (or the time is up), so a home added with `carewatch admin` reaches its gateway within a second.
 */
export const GatewayConfigQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  waitSec: z.coerce.number().int().min(0).max(60).default(0),
});
export type GatewayConfigQuery = z.infer<typeof GatewayConfigQuery>;

export const ManagedSite = z.object({
  siteId: SiteId,
  /** Provisioning version of the site's last change. */
  version: z.number().int().min(0),
  /**
   * The site document (contract `SiteFile`, defaults applied). Checked here only for its id: the
   * gateway validates it whole with its site loader, as it does every site file.
   */
  document: z.looseObject({ site: z.looseObject({ id: SiteId }) }),
  /** MQTT logins of the site's native devices and Zigbee2MQTT hubs (hashes only). */
  credentials: GatewayCredentials.shape.mqtt,
});
export type ManagedSite = z.infer<typeof ManagedSite>;

export const GatewayConfig = z.object({
  gatewayId: z.string(),
  /** The version this answer brings the gateway to; ask again with `since` = this. */
  version: z.number().int().min(0),
  /** True: `sites` is every site of the gateway, and any managed site not in it is to go. */
  full: z.boolean(),
  /** Sites added or changed since `since` (all of them when `full`). */
  sites: z.array(ManagedSite),
  /** Sites no longer served by this gateway (removed, or moved to another). */
  removed: z.array(SiteId),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
