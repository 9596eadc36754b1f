// The night-staff console (issue 20): open alarms by severity then age, with where, who and what
// to do; a tone per priority (critical repeats until acknowledged) and a flash; the floor view,
// device trouble and the resident's card; keyboard shortcuts for the frequent actions.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Alarm } from '../../contract/index.ts';
import { AlarmFeed } from '../lib/alarm-feed.ts';
import { act } from '../lib/alarm-actions.ts';
import { getJson } from '../lib/api.ts';
import { useFeed, usePlans, useTick } from '../lib/hooks.ts';
import { t } from '../lib/i18n.ts';
import { byPriority, isUnacked } from '../lib/order.ts';
import { planOf, DEFAULT_TIME_ZONE } from '../lib/site-plans.ts';
import { holdCriticalTone, playTone, stopCriticalTone } from '../lib/tones.ts';
import { AlarmTable } from '../components/alarm-table.tsx';
import { StreamBanner } from '../components/banners.tsx';
import { ConsoleShell } from '../components/console-shell.tsx';
import { DeviceTrouble } from '../components/device-trouble.tsx';
import { FloorView } from '../components/floor-view.tsx';
import { ResidentPanel } from '../components/resident-panel.tsx';
import { ResolveDialog } from '../components/resolve-dialog.tsx';
import { GatewayStrip } from '../components/gateway-strip.tsx';

interface SiteSummary { siteId: string; name: string }

function Board() {
  const feed = useMemo(() => new AlarmFeed(), []);
  useEffect(() => { feed.start(); return () => { feed.stop(); stopCriticalTone(); }; }, [feed]);
  const state = useFeed(feed);
  usePlans();
  const now = useTick(1_000);
  const [selected, setSelected] = useState<string | null>(null);
  const [resolving, setResolving] = useState<Alarm | null>(null);
  const [opened, setOpened] = useState<Alarm | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [sites, setSites] = useState<SiteSummary[]>([]);
  const [floorSite, setFloorSite] = useState<string | null>(null);
  useEffect(() => { getJson<{ sites: SiteSummary[] }>('/site-plans').then((b) => setSites(b.sites), () => setSites([])); }, []);

  const all = [...state.alarms.values()];
  const alarms = all.filter((a) => !a.kind.startsWith('device.') || a.severity === 'critical').sort(byPriority);

  // A tone for each alarm that is new to this page; the critical burst repeats while one waits.
  const heard = useRef<Set<string> | null>(null);
  useEffect(() => {
    if (heard.current === null) heard.current = new Set(all.map((a) => a.id)); // what was open at sign-in: the repeat below covers it
    for (const alarm of all) {
      if (heard.current.has(alarm.id)) continue;
      heard.current.add(alarm.id);
      if (alarm.severity !== 'critical' && isUnacked(alarm)) playTone(alarm.severity);
    }
    holdCriticalTone(() => [...feed.state().alarms.values()].some((a) => a.severity === 'critical' && a.status === 'active_unack'));
  }, [state]);
  useEffect(() => {
    const unacked = alarms.filter(isUnacked).length;
    document.title = `${unacked ? `(${unacked}) ` : ''}${t('staffTitle')}`;
    document.body.dataset.stream = state.live ? 'live' : 'down';
    document.body.dataset.changes = String(state.changes);
  });

  const run = async (alarm: Alarm, action: string, body?: unknown) => setMessage(await act(feed, alarm, action, body));
  const actions = {
    ack: (a: Alarm) => void run(a, 'ack'),
    attend: (a: Alarm) => void run(a, 'attend'),
    resolve: (a: Alarm) => setResolving(a),
    open: (a: Alarm) => { setSelected(a.id); setOpened(a); },
  };

  // Keyboard: ↑/↓ select, A acknowledge, T attending, R resolve, Enter the resident's card.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (resolving || (e.target as HTMLElement).closest('input, textarea, select')) return;
      const index = alarms.findIndex((a) => a.id === selected);
      const current = alarms[index] ?? alarms[0];
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const next = alarms[Math.max(0, Math.min(alarms.length - 1, index + (e.key === 'ArrowDown' ? 1 : -1)))];
        if (next) setSelected(next.id);
        e.preventDefault();
      } else if (current && (e.key === 'a' || e.key === 'A')) actions.ack(current);
      else if (current && (e.key === 't' || e.key === 'T')) actions.attend(current);
      else if (current && (e.key === 'r' || e.key === 'R')) actions.resolve(current);
      else if (current && e.key === 'Enter') actions.open(current);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  const zone = alarms[0] ? planOf(alarms[0].siteId)?.timezone ?? DEFAULT_TIME_ZONE : DEFAULT_TIME_ZONE;
  const floorPlan = floorSite ? planOf(floorSite) : null;
  return (
    <main id="board">
      <StreamBanner feed={state} timeZone={zone} />
      <GatewayStrip alarms={all} />
      {message && <p class="message" role="status">{message}</p>}
      <h2>{t('openAlarms')} <span id="alarm-count">({alarms.length})</span></h2>
      <p class="shortcuts">{t('shortcuts')}</p>
      <AlarmTable alarms={alarms} now={now} selected={selected} actions={actions} />
      {resolving && (
        <ResolveDialog alarm={resolving} onCancel={() => setResolving(null)}
          onResolve={(outcome, note) => { const a = resolving; setResolving(null); void run(a, 'resolve', { outcome, note }); }} />
      )}
      {opened && <ResidentPanel alarm={opened} onClose={() => setOpened(null)} />}
      <div class="lower">
        <DeviceTrouble alarms={all} now={now} />
        <section>
          <label>{t('floorView')}
            <select id="floor-site" onChange={(e) => setFloorSite((e.currentTarget as HTMLSelectElement).value || null)}>
              <option value="">—</option>
              {sites.map((s) => <option value={s.siteId}>{s.name}</option>)}
            </select>
          </label>
          {floorPlan && <FloorView plan={floorPlan} alarms={all} />}
        </section>
      </div>
    </main>
  );
}

render(<ConsoleShell title="staffTitle">{() => <Board />}</ConsoleShell>, document.getElementById('app')!);
