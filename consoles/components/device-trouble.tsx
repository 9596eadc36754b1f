import type { Alarm } from '../../contract/index.ts';
import { kindLabel, t } from '../lib/i18n.ts';
import { placeOf, timeZoneOf } from '../lib/site-plans.ts';
import { siteTime } from '../lib/time.ts';

/** Devices that cannot be trusted right now (offline, battery low, tamper, fault, untested, unregistered). */
export function DeviceTrouble({ alarms, now }: { alarms: readonly Alarm[]; now: number }) {
  const trouble = alarms.filter((a) => a.kind.startsWith('device.') && a.status !== 'resolved');
  return (
    <section id="device-trouble">
      <h2>{t('deviceTrouble')} ({trouble.length})</h2>
      {trouble.length === 0 ? <p>{t('noTrouble')}</p> : (
        <ul>
          {trouble.map((a) => {
            const place = placeOf(a.siteId, a.roomId);
            return (
              <li key={a.id} class={a.status.startsWith('active') ? 'active' : 'cleared'}>
                <b>{kindLabel(a.kind)}</b> {a.deviceId ?? a.subject} · {place.site} {place.room} · {siteTime(a.raisedAt, timeZoneOf(a.siteId), now)}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
