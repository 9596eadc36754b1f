#!/usr/bin/env -S node --no-memory-reducer
// (--no-memory-reducer: see SERVICE_NODE_FLAGS in simulators/stack/node-command.ts.)
// The `carewatch` command. Sources are TypeScript, loaded through ts-loader.mjs (types stripped
// by esbuild, file by file): no build step between `npm ci` and `npm start`.
import './ts-loader.mjs';

const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
