import { memo } from 'preact/compat';
import type { Alarm } from '../../contract/index.ts';
import { kindLabel, severityLabel, statusLabel, t } from '../lib/i18n.ts';
import { isUnacked } from '../lib/order.ts';
import { placeOf, plansVersion, residentName, timeZoneOf } from '../lib/site-plans.ts';
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
        {alarms.map((alarm) => <Row key={alarm.id} alarm={alarm} now={now} selected={alarm.id === selected} actions={actions} extra={extra} plans={plansVersion()} />)}
      </tbody>
    </table>
  );
}

interface RowProps {
  alarm: Alarm;
  now: number;
  selected: boolean;
  actions: AlarmActions | null;
  extra: ((alarm: Alarm) => preact.ComponentChildren) | undefined;
  /** Site plans loaded so far (names of places and residents come from them). */
  plans: number;
}

/**
 * A row renders again only when what it shows can have changed: its alarm (the feed keeps an
 * unchanged alarm's object), the clock tick, the selection or the site plans. At 50 changes a
 * second among 1,000 open alarms this keeps a change to one row's work (issue 20: update < 100 ms
 * p95). The handlers are not compared: the pages build them anew each render from stable state
 * setters, so an older copy does the same.
 */
const sameRow = (a: RowProps, b: RowProps): boolean => a.alarm === b.alarm && a.now === b.now && a.selected === b.selected
  && a.plans === b.plans && (a.actions === null) === (b.actions === null) && (a.extra === undefined) === (b.extra === undefined);

const Row = memo(function Row({ alarm, now, selected, actions, extra }: RowProps) {
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
      <td class="status" data-status={alarm.status}>
        {statusLabel(alarm.status)}
        {alarm.attendedBy && <span class="attended" data-attended-by={alarm.attendedBy}>{t('attend')}: {alarm.attendedBy}</span>}
        {alarm.assignedTo && <span class="assigned">{t('assign')}: {alarm.assignedTo}</span>}
        {alarm.escalationLevel > 0 && <span class="escalated">{t('escalated')}{alarm.escalatedTo ? `: ${alarm.escalatedTo}` : ''}</span>}
      </td>
      <td class="count">{alarm.count}</td>
      <td class="raised">{siteTime(alarm.raisedAt, timeZoneOf(alarm.siteId), now)}</td>
      <td class="age">{age(alarm.raisedAt, now)}</td>
      {extra && <td class="extra">{extra(alarm)}</td>}
      {actions && (
        <td class="actions" onClick={(e) => e.stopPropagation()}>
          {unacked && <button type="button" class="ack" onClick={() => actions.ack(alarm)}>{t('ack')}</button>}
          <button type="button" class="attend" aria-pressed={alarm.attendedBy !== null} onClick={() => actions.attend(alarm)}>{t('attend')}</button>
          <button type="button" class="resolve" onClick={() => actions.resolve(alarm)}>{t('resolve')}</button>
        </td>
      )}
    </tr>
  );
}, sameRow);
