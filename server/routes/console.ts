import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const CONSOLE_DIR = new URL('../console/', import.meta.url);

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/**
 * The operator console: three static files, no build step, read once at start. The page holds no
 * data; it asks the API with the operator's token like any other client.
 */
export default async function consoleRoutes(app: FastifyInstance): Promise<void> {
  for (const [path, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(asset.file, CONSOLE_DIR));
    app.get(path, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('Cache-Control', 'no-cache')
        .header('X-Content-Type-Options', 'nosniff')
        .header('Referrer-Policy', 'no-referrer')
        // Everything from this origin only: no inline script can run, even if an alarm field held one.
        .header('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'")
        .send(body));
  }
}
