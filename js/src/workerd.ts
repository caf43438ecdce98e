// The entry point for workerd (Cloudflare Workers): the WASM is a module
// import, compiled by the runtime (it may not compile code at run time).

import wasm from '../wasm/sealed_session_js_bg.wasm';
import { initSync } from '../wasm/sealed_session_js.js';

initSync({ module: wasm });

export * from './api.js';
