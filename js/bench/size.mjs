// The package's size: the WASM module and every JavaScript file it
// publishes (glue and package), raw and gzipped (level 9); then what an
// app ships: each entry point bundled and minified by esbuild (as
// `wrangler deploy --minify` and most bundlers do; hono, express and
// node: built-ins left out, they are the app's), gzipped, with the module
// beside it. Run by `cargo xtask ci` after the build; prints lines, or
// with `--markdown` two tables (`cargo xtask bench`, for
// benches/RESULTS.md).

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { buildSync } from 'esbuild';

const root = new URL('../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root));
const MODULE = 'wasm/sealed_session_js_bg.wasm';
const parts = {
  [MODULE]: read(MODULE),
  'wasm/sealed_session_js.js': read('wasm/sealed_session_js.js'),
  ...Object.fromEntries(
    readdirSync(new URL('dist/', root))
      .filter((name) => name.endsWith('.js'))
      .map((name) => [`dist/${name}`, read(`dist/${name}`)]),
  ),
};
const ENTRIES = {
  '`sealed-session/hono` in workerd': 'dist/hono.workerd.js',
  '`sealed-session/hono` in Node, Deno, Bun': 'dist/hono.node.js',
  '`sealed-session/express`': 'dist/express.js',
};
const markdown = process.argv.includes('--markdown');
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The entry bundled and minified, as one ES module. */
function bundle(entry) {
  const built = buildSync({
    entryPoints: [fileURLToPath(new URL(entry, root))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    external: ['*.wasm', 'node:*', 'hono', 'hono/*', 'express'],
  });
  return built.outputFiles[0].contents;
}

if (markdown) console.log('| part | size | gzipped (level 9) |\n|---|---|---|');
let raw = 0;
let gzipped = 0;
for (const [name, bytes] of Object.entries(parts)) {
  const packed = gzip(bytes);
  raw += bytes.length;
  gzipped += packed;
  console.log(
    markdown
      ? `| ${name} | ${bytes.length} B | ${packed} B |`
      : `${name.padEnd(34)} ${String(bytes.length).padStart(8)} B  ${String(packed).padStart(7)} B gzipped`,
  );
}
console.log(
  markdown
    ? `| total, every file | ${raw} B | ${gzipped} B |`
    : `${'total, every file'.padEnd(34)} ${String(raw).padStart(8)} B  ${String(gzipped).padStart(7)} B gzipped`,
);

const module = gzip(parts[MODULE]);
if (markdown) {
  console.log(
    '\n| what an app ships | its JS bundled and minified, gzipped | with the WASM module, gzipped |\n|---|---|---|',
  );
} else {
  console.log('');
}
for (const [name, entry] of Object.entries(ENTRIES)) {
  const js = gzip(bundle(entry));
  console.log(
    markdown
      ? `| ${name} | ${js} B | ${js + module} B |`
      : `${name}: JS ${js} B gzipped, with the module ${js + module} B gzipped`,
  );
}
