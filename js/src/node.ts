// The entry point for Node, Deno and Bun: reads the WASM next to the glue
// and instantiates it synchronously, before anything else can run.

import { readFileSync } from 'node:fs';

import { initSync } from '../wasm/sealed_session_js.js';

initSync({ module: readFileSync(new URL('../wasm/sealed_session_js_bg.wasm', import.meta.url)) });

export * from './api.js';
