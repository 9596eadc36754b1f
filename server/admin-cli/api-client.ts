import { API_PREFIX } from '../../contract/index.ts';

/** A refusal from the server, as the admin command reports it: one line, exit 1. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The admin API over HTTP, as any client calls it: `carewatch admin` imports nothing of the server
 * but the contract (it talks to a server on another machine just the same).
 */
export class ApiClient {
  constructor(readonly serverUrl: string, private token: string | undefined) {}

  setToken(token: string | undefined): void {
    this.token = token;
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.text(method, path, body);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async text(method: string, path: string, body?: unknown): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.serverUrl}${API_PREFIX}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(0, `cannot reach the server at ${this.serverUrl} (${cause})`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 500);
      try { message = (JSON.parse(text) as { message?: string }).message ?? message; } catch { /* not JSON */ }
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return text;
  }
}
