import type { Alarm } from '../../contract/index.ts';
import { kindLabel, severityLabel, statusLabel, t } from '../lib/i18n.ts';
import { isUnacked } from '../lib/order.ts';
import { placeOf, residentName, timeZoneOf } from '../lib/site-plans.ts';
import { age, siteTime } from '../lib/time.ts';

export interface AlarmActions {
  ack(alarm: Alarm): void;
  attend(alarm: Alarm): void;
  resolve(alarm: Alarm): void;
  open(alarm: Alarm): void;
}

/**
 * Open alarms in working order (the caller sorts). Each row: severity, what, where (site, floor,
 * room), who, status, age, and the frequent actions. Unacknowledged rows flash (the visual half of
 * the alarm signal; the tone is the other).
 */
export function AlarmTable({ alarms, now, selected, actions, extra }: {
  alarms: readonly Alarm[];
  now: number;
  selected: string | null;
  actions: AlarmActions | null;
  extra?: (alarm: Alarm) => preact.ComponentChildren;
}) {
  if (alarms.length === 0) return <p id="empty">{t('noAlarms')}</p>;
  return (
    <table id="alarms">
      <thead>
        <tr>
          <th>{t('severity')}</th><th>{t('kind')}</th><th>{t('where')}</th><th>{t('resident')}</th>
          <th>{t('status')}</th><th>{t('count')}</th><th>{t('raised')}</th><th>{t('age')}</th>
          {extra && <th />}
          {actions && <th>{t('actions')}</th>}
        </tr>
      </thead>
      <tbody>
        {alarms.map((alarm) => <Row key={alarm.id} alarm={alarm} now={now} selected={alarm.id === selected} actions={actions} extra={extra} />)}
      </tbody>
    </table>
  );
}

function Row({ alarm, now, selected, actions, extra }: { alarm: Alarm; now: number; selected: boolean; actions: AlarmActions | null; extra: ((alarm: Alarm) => preact.ComponentChildren) | undefined }) {
  const place = placeOf(alarm.siteId, alarm.roomId);
  const resident = residentName(alarm.siteId, alarm.residentId);
  const unacked = isUnacked(alarm);
  const classes = [`sev-${alarm.severity}`, unacked ? 'unacked' : '', selected ? 'selected' : ''].filter(Boolean).join(' ');
  return (
    <tr class={classes} data-alarm-id={alarm.id} onClick={() => actions?.open(alarm)}>
      <td class="severity">{severityLabel(alarm.severity)}</td>
      <td class="kind">{kindLabel(alarm.kind)}<span class="kind-code">{alarm.kind}</span></td>
      <td class="where">
        <span class="site">{place.site}</span>
        {place.floor && <span class="floor">{place.floor}</span>}
        <span class="room" data-room-id={alarm.roomId ?? ''}>{place.room}</span>
      </td>
      <td class="resident">{resident ?? '—'}</td>
      <td class="status" data-status={alarm.status}>{statusLabel(alarm.status)}</td>
      <td class="count">{alarm.count}</td>
      <td class="raised">{siteTime(alarm.raisedAt, timeZoneOf(alarm.siteId), now)}</td>
      <td class="age">{age(alarm.raisedAt, now)}</td>
      {extra && <td class="extra">{extra(alarm)}</td>}
      {actions && (
        <td class="actions" onClick={(e) => e.stopPropagation()}>
          {unacked && <button type="button" class="ack" onClick={() => actions.ack(alarm)}>{t('ack')}</button>}
          <button type="button" class="attend" onClick={() => actions.attend(alarm)}>{t('attend')}</button>
          <button type="button" class="resolve" onClick={() => actions.resolve(alarm)}>{t('resolve')}</button>
        </td>
      )}
    </tr>
  );
}
