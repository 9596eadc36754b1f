import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { onSignedOut, takeTokenFromLink, token, setToken } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import type { Word } from '../lib/i18n.ts';
import { Header } from './header.tsx';
import { SignIn } from './sign-in.tsx';
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
  useEffect(() => { document.body.dataset.signedIn = String(signedIn); }, [signedIn]);
  const signOut = (): void => { setToken(null); setMessage(null); setSignedIn(false); };
  return (
    <>
      <Header title={title} who={null} onSignOut={signedIn ? signOut : null} nav />
      <ClockBanner />
      {signedIn && <SoundBanner />}
      {signedIn ? children() : <SignIn message={message} onSignedIn={() => setSignedIn(true)} />}
    </>
  );
}
