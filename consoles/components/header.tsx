import { lang, setLang, t } from '../lib/i18n.ts';
import type { Word } from '../lib/i18n.ts';

export function Header({ title, who, onSignOut, nav }: { title: Word; who: string | null; onSignOut: (() => void) | null; nav?: boolean }) {
  return (
    <header>
      <h1>{t(title)}</h1>
      {nav && (
        <nav>
          <a href="/">{t('staffTitle').replace('CareWatch ', '')}</a>
          <a href="/callcentre">{t('callTitle').replace('CareWatch ', '')}</a>
          <a href="/fire">{t('fireTitle').replace('CareWatch ', '')}</a>
        </nav>
      )}
      <span id="whoami">{who}</span>
      <button id="lang" type="button" onClick={() => { setLang(lang() === 'zh' ? 'en' : 'zh'); location.reload(); }}>{t('language')}</button>
      {onSignOut && <button id="logout" type="button" onClick={onSignOut}>{t('signOut')}</button>}
    </header>
  );
}
