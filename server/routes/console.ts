import type { FastifyInstance } from 'fastify';
import { CONSOLE_HEADERS, consoleHtml, consoleScript, consoleStyles } from '../../consoles/bundle.ts';
import type { ConsolePage } from '../../consoles/bundle.ts';

const PAGES: Record<string, ConsolePage> = { '/': 'staff', '/callcentre': 'callcentre', '/fire': 'fire' };

/**
 * The consoles (issue 20): the night-staff console at `/`, the call-centre board at `/callcentre`,
 * the fire department's page at `/fire`. The pages hold no data; they ask the API with the
 * operator's token like any other client.
 */
export default async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const css = consoleStyles();
  for (const [path, page] of Object.entries(PAGES)) {
    const html = consoleHtml(page, { assets: '/assets', api: '/api/v1' });
    app.get(path, async (_request, reply) => reply.headers(CONSOLE_HEADERS).type('text/html; charset=utf-8').send(html));
    app.get(`/assets/${page}.js`, async (_request, reply) =>
      reply.headers(CONSOLE_HEADERS).type('text/javascript; charset=utf-8').send(await consoleScript(page)));
  }
  app.get('/assets/console.css', async (_request, reply) => reply.headers(CONSOLE_HEADERS).type('text/css; charset=utf-8').send(css));
}
