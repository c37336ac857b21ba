// Builds src/main.js (Preact components, JSX) into ../hub/static/inbox.js.
//   node build.mjs          build, print raw and gzip size, fail if gzip > the budget
//   node build.mjs --check  build to a temp file, fail if hub/static/inbox.js differs (stale)
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'hub', 'static', 'inbox.js');
const LIMIT = 60 * 1024;
const check = process.argv.includes('--check');

const tmp = check ? mkdtempSync(join(tmpdir(), 'inbox-')) : null;
const outfile = check ? join(tmp, 'inbox.js') : target;

try {
  await build({
    entryPoints: [join(here, 'src', 'main.js')],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.js': 'jsx' },
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
    outfile,
  });
  const code = readFileSync(outfile);
  const gz = gzipSync(code, { level: 9 }).length;
  console.log(`inbox.js: ${code.length} bytes raw, ${gz} bytes gzip (limit ${LIMIT})`);
  if (gz > LIMIT) {
    console.error(`inbox.js is over the ${LIMIT}-byte gzip budget`);
    process.exitCode = 1;
  }
  if (check) {
    if (!existsSync(target) || !readFileSync(target).equals(code)) {
      console.error('hub/static/inbox.js is stale: run `npm run build` in inbox-client/');
      process.exitCode = 1;
    } else {
      console.log('hub/static/inbox.js is up to date');
    }
  }
} catch (err) {
  console.error(err.message || err);
  process.exitCode = 1;
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
