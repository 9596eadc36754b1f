import { useState } from 'preact/hooks';
import { ApiError, postJson, setToken } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { unlockSound } from '../lib/tones.ts';

/** Where a password is exchanged for an expiring session token (issue 17, contract `SignInBody`/`SessionResponse`). */
export const SESSION_PATH = '/session';

/**
 * Password sign-in (an expiring session), or an access token for a shared station. The click that
 * signs in also unlocks the page's sound, so the first alarm of the night is heard.
 */
export function SignIn({ onSignedIn, message }: { onSignedIn: () => void; message: string | null }) {
  const [withToken, setWithToken] = useState(false);
  const [error, setError] = useState<string | null>(message);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    void unlockSound();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    try {
      if (withToken) {
        setToken(String(form.get('token') ?? '').trim());
      } else {
        const answer = await postJson<{ token: string }>(SESSION_PATH, { username: form.get('username'), password: form.get('password') });
        setToken(answer.token);
      }
      setError(null);
      onSignedIn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : t('networkError'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form id="login" onSubmit={(e) => void submit(e)}>
      {withToken ? (
        <label>{t('token')}<input name="token" type="password" autocomplete="off" required /></label>
      ) : (
        <>
          <label>{t('user')}<input name="username" autocomplete="username" required /></label>
          <label>{t('password')}<input name="password" type="password" autocomplete="current-password" required /></label>
        </>
      )}
      <button type="submit" disabled={busy}>{t('signIn')}</button>
      <button type="button" class="link" onClick={() => setWithToken(!withToken)}>{withToken ? t('usePassword') : t('useToken')}</button>
      {error && <p class="message" role="status">{error}</p>}
    </form>
  );
}
