// The consoles' one door to the API: the bearer token (kept in sessionStorage, so closing the tab
// signs out), the server's clock read from every answer's Date header, and one place that notices
// a refused token.
import { API_BASE } from './paths.ts';

const TOKEN_KEY = 'carewatch.token';

type Listener = () => void;
const signedOutListeners = new Set<Listener>();
const clockListeners = new Set<Listener>();

/** Server clock minus this computer's clock, in ms, from the newest answer (null until one came). */
let skewMs: number | null = null;

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** `#token=…` lets the demo print a ready link; it moves to sessionStorage and out of the URL. */
export function takeTokenFromLink(): void {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (!match) return;
  setToken(decodeURIComponent(match[1]!));
  history.replaceState(null, '', location.pathname + location.search);
}

export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function onClock(listener: Listener): () => void {
  clockListeners.add(listener);
  return () => clockListeners.delete(listener);
}

export function clockSkewMs(): number | null {
  return skewMs;
}

/** A fetch of `/api/v1{path}` with the token; throws ApiError with the server's message on non-2xx. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const sent = Date.now();
  const response = await fetch(API_BASE + path, {
    ...init,
    cache: 'no-store',
    headers: { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${token() ?? ''}` },
  });
  noteServerClock(response, sent);
  if (response.status === 401) {
    setToken(null);
    for (const listener of signedOutListeners) listener();
  }
  if (!response.ok) throw new ApiError(response.status, await errorText(response));
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await request(path)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.status === 204 ? (undefined as T) : (response.json() as Promise<T>);
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: string };
    return body.message || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`; // not JSON (a proxy's page): the status is all there is to say
  }
}

/** HTTP Date has 1 s resolution: the skew is taken at the request's midpoint and only whole seconds count. */
function noteServerClock(response: Response, sent: number): void {
  const date = response.headers.get('Date');
  if (!date) return;
  const server = Date.parse(date);
  if (Number.isNaN(server)) return;
  const now = Date.now();
  skewMs = server + 500 - (sent + now) / 2;
  for (const listener of clockListeners) listener();
}
