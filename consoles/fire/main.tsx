// The fire department's page (issue 20): the coverage audit (issue 19) of every site in the
// officer's area, worst first, and per site every room × required kind with the reason for each
// gap — at the present or at a past moment ("was room 203 protected at 02:00?"), printable.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { CoverageReport, RegionCoverage, RegionListResponse } from '../../contract/index.ts';
import { ApiError, getJson } from '../lib/api.ts';
import { lang, t } from '../lib/i18n.ts';
import { siteTime } from '../lib/time.ts';
import { siteWallClockToIso } from '../lib/zoned-time.ts';
import { timeZoneOf } from '../lib/site-plans.ts';
import { ConsoleShell } from '../components/console-shell.tsx';

const KINDS: Record<string, [string, string]> = {
  smoke_detector: ['感烟探测器', 'Smoke detector'], heat_detector: ['感温探测器', 'Heat detector'], sprinkler: ['简易喷淋', 'Sprinkler'],
};
const REASONS: Record<string, [string, string]> = {
  missing: ['未安装', 'missing'], never_seen: ['从未上线', 'never seen'], offline: ['离线', 'offline'], battery_low: ['电量低', 'battery low'],
  tamper: ['被拆', 'tamper'], fault: ['故障', 'fault'], never_tested: ['从未测试', 'never tested'], not_tested_recently: ['超期未测试', 'not tested recently'],
};
const word = (table: Record<string, [string, string]>, key: string) => (table[key] ? table[key]![lang() === 'zh' ? 0 : 1] : key);

function Coverage() {
  const [rollups, setRollups] = useState<RegionCoverage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [siteId, setSiteId] = useState<string | null>(null);
  const [at, setAt] = useState('');
  useEffect(() => {
    (async () => {
      const { regions } = await getJson<RegionListResponse>('/regions');
      const ids = new Set(regions.map((r) => r.id));
      // The highest nodes the officer sees: their roll-up covers everything beneath.
      const tops = regions.filter((r) => r.parentId === null || !ids.has(r.parentId));
      setRollups(await Promise.all(tops.map((r) => getJson<RegionCoverage>(`/regions/${encodeURIComponent(r.id)}/coverage`))));
    })().catch((e) => setError(e instanceof ApiError && e.status === 404 ? t('unavailable') : String((e as Error).message)));
  }, []);
  return (
    <main id="coverage">
      {error && <p class="message">{error}</p>}
      {rollups?.map((rollup) => (
        <section key={rollup.regionId} class="region-rollup">
          <h2>{t('regionRollup')} · {rollup.regionId} · <span class="percent">{rollup.percent}%</span></h2>
          <table>
            <thead><tr><th>{t('sites')}</th><th>{t('coverage')}</th><th>{t('gaps')}</th></tr></thead>
            <tbody>
              {rollup.sites.map((s) => (
                <tr key={s.siteId} data-site-id={s.siteId} class={s.gaps > 0 ? 'has-gaps' : ''} onClick={() => setSiteId(s.siteId)}>
                  <td><a href={`#${s.siteId}`}>{s.siteName}</a></td><td>{s.percent}%</td><td>{s.gaps}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      {siteId && <SiteCoverage siteId={siteId} at={at} onAt={setAt} />}
    </main>
  );
}

/** `at` is a wall-clock time in the site's own zone (what the officer asks about), sent as an instant. */
function SiteCoverage({ siteId, at, onAt }: { siteId: string; at: string; onAt: (at: string) => void }) {
  const [report, setReport] = useState<CoverageReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const query = at ? `?at=${encodeURIComponent(siteWallClockToIso(at, timeZoneOf(siteId)))}` : '';
    getJson<CoverageReport>(`/sites/${encodeURIComponent(siteId)}/coverage${query}`).then(setReport, (e) => setError(String((e as Error).message)));
  }, [siteId, at]);
  if (error) return <p class="message">{error}</p>;
  if (!report) return null;
  return (
    <section id="site-coverage" data-site-id={siteId}>
      <h2>{report.siteName} · {t('coverage')} <span class="percent">{report.percent}%</span> ({report.covered}/{report.required})</h2>
      <p>
        {siteTime(report.at, report.timezone)}{' '}
        <input type="datetime-local" value={at} onChange={(e) => onAt((e.currentTarget as HTMLInputElement).value)} />{' '}
        <button type="button" onClick={() => print()}>{t('report')}</button>
      </p>
      <table>
        <thead><tr><th>{t('where')}</th><th>{t('kind')}</th><th>{t('status')}</th><th>{t('device')}</th></tr></thead>
        <tbody>
          {report.items.map((item) => (
            <tr key={`${item.roomId}/${item.kind}`} class={item.covered ? 'covered' : 'gap'} data-room-id={item.roomId} data-kind={item.kind}>
              <td>{item.buildingName} {item.floorName} {item.roomName}</td>
              <td>{word(KINDS, item.kind)}</td>
              <td class="coverage-state">{item.covered ? '✓' : `✗ ${item.reasons.map((r) => word(REASONS, r)).join('、')}`}</td>
              <td>{item.devices.map((d) => `${d.deviceId}${d.lastSelfTest ? ` (${siteTime(d.lastSelfTest, report.timezone)})` : ''}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

render(<ConsoleShell title="fireTitle">{() => <Coverage />}</ConsoleShell>, document.getElementById('app')!);
