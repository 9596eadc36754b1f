// Runs CareWatch's TypeScript sources in Node without a build step: a module-loader hook that
// strips types with esbuild, file by file (as tsx does, which this replaces for our own code).
// Why not tsx: it compiles with esbuild's `keepNames`, which wraps every named function and
// arrow in `__name(fn, "name")`. Redefining `name` moves each such function's properties into a
// dictionary (~256 B) and costs a call per closure created: a regional gateway with 10,000 homes
// held ~27 KB of these per home, and the rules' hot paths paid the call on every reading.
// Use: `node --import ./ts-loader.mjs file.ts`, or register() it as carewatch.mjs does.
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { transform } from 'esbuild';

// Errors point at the TypeScript lines, through the inline source maps below.
process.setSourceMapsEnabled(true);

/** Module-loader hook (Node's `load`): our `.ts` files become ES modules; everything else passes through. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts', format: 'esm', target: `node${process.versions.node}`, sourcemap: 'inline', sourcefile: path,
    // The repository's tsconfig.json says verbatimModuleSyntax: imports are kept as written.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
  });
  return { format: 'module', source: code, shortCircuit: true };
}

// Imported with --import (or by carewatch.mjs), once per process: install this file as the hook.
// (register() loads it again in the hooks thread, where it must not register itself.)
if (isMainThread) register(import.meta.url);
