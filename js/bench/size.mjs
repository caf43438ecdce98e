// The package's size as a Worker or a server loads it: the WASM module and
// the JavaScript it runs (glue and package), raw and gzipped (level 9),
// and the JavaScript once more as a bundler ships it, minified (esbuild's
// `minify`, which `wrangler deploy --minify` and most bundlers use; the
// WASM module is the same either way). Run by `cargo xtask ci` after the
// build; prints one line per part, or with `--markdown` a table (`cargo
// xtask bench`, for benches/RESULTS.md).

import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

import { transformSync } from 'esbuild';

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
const minified = (name, bytes) =>
  name.endsWith('.js')
    ? Buffer.from(transformSync(bytes.toString('utf8'), { minify: true, format: 'esm' }).code)
    : bytes;
const line = markdown
  ? (name, raw, packed, small) => `| ${name} | ${raw} B | ${packed} B | ${small} B |`
  : (name, raw, packed, small) =>
      `${name.padEnd(34)} ${String(raw).padStart(8)} B  ${String(packed).padStart(7)} B gzipped  ${String(small).padStart(7)} B minified and gzipped`;
if (markdown) {
  console.log('| part | size | gzipped (level 9) | minified, gzipped |\n|---|---|---|---|');
}
let raw = 0;
let gzipped = 0;
let small = 0;
for (const [name, bytes] of Object.entries(parts)) {
  const packed = gzip(bytes);
  const smallest = gzip(minified(name, bytes));
  raw += bytes.length;
  gzipped += packed;
  small += smallest;
  console.log(line(name, bytes.length, packed, smallest));
}
console.log(line('total', raw, gzipped, small));
