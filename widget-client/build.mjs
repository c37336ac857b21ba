// Builds src/index.js into ../hub/static/widget.js.
//   node build.mjs          build, print raw and gzip size, fail if gzip > 15 KB
//   node build.mjs --check  build to a temp file, fail if hub/static/widget.js differs (stale)
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'hub', 'static', 'widget.js');
const LIMIT = 15 * 1024;
const check = process.argv.includes('--check');

const tmp = check ? mkdtempSync(join(tmpdir(), 'widget-')) : null;
const outfile = check ? join(tmp, 'widget.js') : target;

try {
  await build({
    entryPoints: [join(here, 'src', 'index.js')],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2020',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
    outfile,
  });
  const code = readFileSync(outfile);
  const gz = gzipSync(code, { level: 9 }).length;
  console.log(`widget.js: ${code.length} bytes raw, ${gz} bytes gzip (limit ${LIMIT})`);
  if (gz > LIMIT) {
    console.error(`widget.js is over the ${LIMIT}-byte gzip budget`);
    process.exitCode = 1;
  }
  if (check) {
    if (!existsSync(target) || !readFileSync(target).equals(code)) {
      console.error('hub/static/widget.js is stale: run `npm run build` in widget-client/');
      process.exitCode = 1;
    } else {
      console.log('hub/static/widget.js is up to date');
    }
  }
} catch (err) {
  console.error(err.message || err);
  process.exitCode = 1;
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
