// The consoles are TypeScript + Preact in the browser; esbuild (already the project's TypeScript
// loader) bundles each page in memory the first time it is asked for, in ~0.1 s, so `npm start`
// needs no build step and nothing generated is committed. The server and the gateway's local page
// serve the same bundles (issue 20: "the gateway's local alarm page reuses the same components").
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

export const CONSOLE_PAGES = {
  staff: { entry: 'staff/main.tsx', title: 'CareWatch 值班台' },
  callcentre: { entry: 'callcentre/main.tsx', title: 'CareWatch 呼叫中心' },
  fire: { entry: 'fire/main.tsx', title: 'CareWatch 消防巡查' },
} as const;
export type ConsolePage = keyof typeof CONSOLE_PAGES;

const DIR = new URL('./', import.meta.url);
const bundles = new Map<ConsolePage, Promise<string>>();

/** The page's script, bundled and minified once per process. */
export function consoleScript(page: ConsolePage): Promise<string> {
  let bundle = bundles.get(page);
  if (!bundle) {
    bundle = build({
      entryPoints: [new URL(CONSOLE_PAGES[page].entry, DIR).pathname],
      bundle: true, write: false, format: 'esm', target: 'es2022', minify: true, charset: 'utf8',
      jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none', logLevel: 'silent',
    }).then((result) => result.outputFiles[0]!.text);
    bundle.catch(() => bundles.delete(page)); // a failed build is retried by the next request
    bundles.set(page, bundle);
  }
  return bundle;
}

export const consoleStyles = (): string => readFileSync(new URL('console.css', DIR), 'utf8');

/** The HTML shell of a page: the script and styles from this origin only (no inline code for the CSP). */
export function consoleHtml(page: ConsolePage, opts: { assets: string; api: string }): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="carewatch-api" content="${opts.api}">
  <title>${CONSOLE_PAGES[page].title}</title>
  <link rel="stylesheet" href="${opts.assets}/console.css">
  <script type="module" src="${opts.assets}/${page}.js"></script>
</head>
<body data-page="${page}"><div id="app"></div></body>
</html>
`;
}

/** Headers for every console response: same-origin only, so no inline script runs even if an alarm field held one. */
export const CONSOLE_HEADERS = {
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
} as const;
