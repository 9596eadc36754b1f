import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** For `node --import TS_LOADER script.ts`: how every CareWatch process runs its TypeScript (see ts-loader.mjs). */
export const TS_LOADER = resolve(dirname(fileURLToPath(import.meta.url)), '../../ts-loader.mjs');

/**
 * V8 flags the long-running CareWatch processes (gateway, server) are started with, as
 * carewatch.mjs's own `#!` line does (docs/architecture.md "Running the processes"):
 * `--no-memory-reducer` — when a busy process turns quiet, V8's memory reducer runs full
 * garbage collections to hand memory back; on a regional gateway's 1–2 GB heap one such
 * collection held the event loop ~2 s and delayed alarms by as much (measured in the regional
 * benchmark). A watch process keeps its memory instead; full collections still run as the heap grows.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];
