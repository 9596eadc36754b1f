import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { getJson, onSignedOut, request, takeTokenFromLink, token, setToken } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import type { Word } from '../lib/i18n.ts';
import { Header } from './header.tsx';
import { SESSION_PATH, SignIn } from './sign-in.tsx';
import { ClockBanner, SoundBanner } from './banners.tsx';

/**
 * Every console's frame: header, sign-in until a token is held (the form is not rendered at all
 * once signed in), and the banners that say when the page itself cannot be trusted.
 */
export function ConsoleShell({ title, children }: { title: Word; children: () => ComponentChildren }) {
  takeTokenFromLink();
  const [signedIn, setSignedIn] = useState(token() !== null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => onSignedOut(() => { setMessage(t('tokenRefused')); setSignedIn(false); }), []);
  useEffect(() => { document.title = t(title); }, [title]);
  useEffect(() => {
    document.body.dataset.signedIn = String(signedIn);
    if (!signedIn) delete document.body.dataset.stream; // no stream is followed while signed out
  }, [signedIn]);
  const [who, setWho] = useState<string | null>(null);
  useEffect(() => {
    if (!signedIn) return setWho(null);
    // Who the token belongs to (contract `WhoAmI`); shown so a shared station's user is plain to see.
    getJson<{ name: string; role: string }>(SESSION_PATH).then((me) => setWho(`${me.name} · ${me.role}`), () => setWho(null));
  }, [signedIn]);
  const signOut = (): void => {
    // Ends the session on the server too (a session token dies there; a machine token is unaffected).
    request(SESSION_PATH, { method: 'DELETE' }).catch(() => undefined).finally(() => { setToken(null); setMessage(null); setSignedIn(false); });
  };
  return (
    <>
      <Header title={title} who={who} onSignOut={signedIn ? signOut : null} nav />
      <ClockBanner />
      {signedIn && <SoundBanner />}
      {signedIn ? children() : <SignIn message={message} onSignedIn={() => setSignedIn(true)} />}
    </>
  );
}
