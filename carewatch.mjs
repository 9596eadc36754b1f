#!/usr/bin/env node
// The `carewatch` command. Sources are TypeScript run through tsx's loader: no build step
// between `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
