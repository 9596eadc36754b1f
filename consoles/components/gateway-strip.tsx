import type { Alarm } from '../../contract/index.ts';
import { t } from '../lib/i18n.ts';
import { placeOf } from '../lib/site-plans.ts';

/** Each site whose gateway is offline, plainly: its devices may be alarming and nobody would know. */
export function GatewayStrip({ alarms }: { alarms: readonly Alarm[] }) {
  const down = alarms.filter((a) => a.kind === 'gateway.offline' && a.status.startsWith('active'));
  if (down.length === 0) return null;
  return (
    <div id="gateway-offline" class="banner" role="alert">
      {t('gatewayOffline')}: {down.map((a) => placeOf(a.siteId, null).site).join('、')}
    </div>
  );
}
