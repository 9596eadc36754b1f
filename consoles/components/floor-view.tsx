import type { Alarm, SitePlan } from '../../contract/index.ts';
import { kindLabel, t } from '../lib/i18n.ts';
import { severityRank } from '../lib/order.ts';

type DeviceState = 'alarm' | 'offline' | 'battery' | 'ok';

/**
 * The site's floors as a grid of rooms, each device marked by its state (alarm, offline, battery
 * low), so staff see at a glance where to go and which room is unwatched.
 */
export function FloorView({ plan, alarms }: { plan: SitePlan; alarms: readonly Alarm[] }) {
  const open = alarms.filter((a) => a.siteId === plan.siteId && a.status.startsWith('active'));
  const stateOf = (deviceId: string): DeviceState => {
    const mine = open.filter((a) => a.deviceId === deviceId);
    if (mine.some((a) => !a.kind.startsWith('device.'))) return 'alarm';
    if (mine.some((a) => a.kind === 'device.offline')) return 'offline';
    if (mine.some((a) => a.kind === 'device.battery_low')) return 'battery';
    return 'ok';
  };
  const roomAlarm = (roomId: string) => open.filter((a) => a.roomId === roomId && !a.kind.startsWith('device.'))
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity))[0];
  const label: Record<DeviceState, string> = { alarm: t('inAlarm'), offline: t('offline'), battery: t('batteryLow'), ok: t('online') };
  return (
    <section id="floor-view">
      <h2>{t('floorView')} · {plan.name}</h2>
      {[...plan.floors].sort((a, b) => b.level - a.level).map((floor) => (
        <div class="floor" key={floor.id}>
          <h3>{floor.building} · {floor.name}</h3>
          <div class="rooms">
            {floor.rooms.map((room) => {
              const alarm = roomAlarm(room.id);
              return (
                <div key={room.id} class={`room${alarm ? ` sev-${alarm.severity}` : ''}`} data-room-id={room.id}>
                  <b>{room.name}</b>
                  {alarm && <span class="room-alarm">{kindLabel(alarm.kind)}</span>}
                  <ul>
                    {plan.devices.filter((d) => d.roomId === room.id).map((d) => {
                      const state = stateOf(d.id);
                      return <li key={d.id} class={`device ${state}`} data-device-id={d.id} title={label[state]}>{d.name ?? d.id}</li>;
                    })}
                  </ul>
                </div>
              );
            })}
          </div>
        </div>
      ))}
    </section>
  );
}
