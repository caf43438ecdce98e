// The package's size as a Worker or a server loads it: the WASM module and
// the JavaScript it runs (glue and package), raw and gzipped (level 9).
// Run by `cargo xtask ci` after the build; prints one line per part, or
// with `--markdown` a table (`cargo xtask bench`, for benches/RESULTS.md).

import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root));
const parts = {
  'wasm/sealed_session_js_bg.wasm': read('wasm/sealed_session_js_bg.wasm'),
  'wasm/sealed_session_js.js': read('wasm/sealed_session_js.js'),
  ...Object.fromEntries(
    readdirSync(new URL('dist/', root))
      .filter((name) => name.endsWith('.js'))
      .map((name) => [`dist/${name}`, read(`dist/${name}`)]),
  ),
};
const markdown = process.argv.includes('--markdown');
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;
const line = markdown
  ? (name, raw, packed) => `| ${name} | ${raw} B | ${packed} B |`
  : (name, raw, packed) =>
      `${name.padEnd(34)} ${String(raw).padStart(8)} B  ${String(packed).padStart(7)} B gzipped`;
if (markdown) console.log('| part | size | gzipped (level 9) |\n|---|---|---|');
let raw = 0;
let gzipped = 0;
for (const [name, bytes] of Object.entries(parts)) {
  const packed = gzip(bytes);
  raw += bytes.length;
  gzipped += packed;
  console.log(line(name, bytes.length, packed));
}
console.log(line('total', raw, gzipped));
