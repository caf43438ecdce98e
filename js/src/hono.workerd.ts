// `sealed-session/hono` under workerd: the WASM imported as a module first.
import './workerd.js';

export * from './hono.js';
