// `sealed-session/hono` under Node, Deno and Bun: the WASM read from disk first.
import './node.js';

export * from './hono.js';
