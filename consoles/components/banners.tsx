import { clockSkewMs, onClock } from '../lib/api.ts';
import type { FeedState } from '../lib/alarm-feed.ts';
import { useSignal } from '../lib/hooks.ts';
import { t } from '../lib/i18n.ts';
import { siteTime } from '../lib/time.ts';
import { onSoundChange, soundReady, unlockSound } from '../lib/tones.ts';

/** Beyond this the ages and "overdue" marks on screen mislead (and so may the computer's other clocks). */
const CLOCK_WARN_MS = 30_000;

/** Says plainly when live updates stopped, and since when; gone once the stream is back. */
export function StreamBanner({ feed, timeZone }: { feed: FeedState; timeZone: string }) {
  if (feed.live || feed.downSince === null) return null;
  return (
    <div id="stream-banner" class="banner" role="alert">
      {t('streamDown')} · {t('streamDownSince')} {siteTime(feed.downSince, timeZone)}
    </div>
  );
}

export function ClockBanner() {
  useSignal(onClock);
  const skew = clockSkewMs();
  if (skew === null || Math.abs(skew) < CLOCK_WARN_MS) return null;
  return (
    <div id="clock-banner" class="banner warn" role="alert">
      {t('clockOff')} {Math.round(Math.abs(skew) / 1000)} {t('seconds')}
    </div>
  );
}

export function SoundBanner() {
  useSignal(onSoundChange);
  if (soundReady()) return null;
  return (
    <button id="sound-banner" type="button" class="banner warn" onClick={() => void unlockSound()}>
      🔇 {t('soundOff')}
    </button>
  );
}
