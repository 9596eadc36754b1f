// A distinct tone per priority, after IEC 60601-1-8's alarm signals: high priority is a burst of
// five pulses repeated, medium three pulses, low one or two (Table 3, "pulse characteristics").
// A critical alarm's burst repeats until no unacknowledged critical alarm is left; others sound
// once when they arrive. Browsers only let a page make sound after a user gesture, so the sign-in
// click (or the "enable sound" button) unlocks the audio context.

const PATTERNS: Record<string, { pulses: number; hz: number; gapMs: number }> = {
  critical: { pulses: 5, hz: 880, gapMs: 120 },
  major: { pulses: 3, hz: 660, gapMs: 180 },
  minor: { pulses: 2, hz: 523, gapMs: 250 },
  warning: { pulses: 1, hz: 523, gapMs: 0 },
};
const PULSE_MS = 150;
/** IEC 60601-1-8 has high-priority bursts repeat every 2.5–15 s; 4 s keeps a ward from a constant din. */
export const CRITICAL_REPEAT_MS = 4_000;

let context: AudioContext | null = null;
let repeat: ReturnType<typeof setInterval> | null = null;
const listeners = new Set<() => void>();

export function soundReady(): boolean {
  return context?.state === 'running';
}

export function onSoundChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Call from a click handler: creates or resumes the audio context. */
export async function unlockSound(): Promise<void> {
  try {
    context ??= new AudioContext();
    if (context.state !== 'running') await context.resume();
  } catch (error) {
    console.warn('sound could not be enabled', error); // the banner keeps asking; the flash still shows
  }
  for (const listener of listeners) listener();
}

/** Plays a severity's burst now. Records what was scheduled on <body> (data-tone, data-tone-count). */
export function playTone(severity: string): boolean {
  const pattern = PATTERNS[severity];
  if (!pattern || !context || context.state !== 'running') return false;
  const start = context.currentTime + 0.02;
  for (let i = 0; i < pattern.pulses; i += 1) {
    const at = start + (i * (PULSE_MS + pattern.gapMs)) / 1000;
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.frequency.value = pattern.hz;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + PULSE_MS / 1000);
    osc.connect(gain).connect(context.destination);
    osc.start(at);
    osc.stop(at + PULSE_MS / 1000 + 0.01);
  }
  document.body.dataset.tone = severity;
  document.body.dataset.toneCount = String(Number(document.body.dataset.toneCount ?? 0) + 1);
  return true;
}

/** Keeps the critical burst going while `pending()` says an unacknowledged critical alarm is open. */
export function holdCriticalTone(pending: () => boolean): void {
  if (pending()) {
    if (repeat === null) {
      playTone('critical');
      repeat = setInterval(() => (pending() ? playTone('critical') : stopCriticalTone()), CRITICAL_REPEAT_MS);
    }
  } else {
    stopCriticalTone();
  }
}

export function stopCriticalTone(): void {
  if (repeat !== null) clearInterval(repeat);
  repeat = null;
}
