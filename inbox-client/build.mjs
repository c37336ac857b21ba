// Builds the inbox's two bundles (Preact components, JSX) into ../hub/static/:
//   src/main.js          -> inbox.js    the agent inbox (/inbox)
//   src/account-main.js  -> account.js  the account pages (/, /signup, /login, ...)
//   node build.mjs          build, print raw and gzip sizes, fail if a gzip size is over its budget
//   node build.mjs --check  build to a temp folder, fail if a committed bundle differs (stale)
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const staticDir = join(here, '..', 'hub', 'static');
// Each bundle's gzip budget in bytes (each carries its own copy of Preact).
const BUNDLES = [
  { name: 'inbox', entry: 'main.js', limit: 60 * 1024 },
  { name: 'account', entry: 'account-main.js', limit: 16 * 1024 },
];
const check = process.argv.includes('--check');

const tmp = check ? mkdtempSync(join(tmpdir(), 'inbox-')) : null;
const outdir = check ? tmp : staticDir;

try {
  await build({
    entryPoints: Object.fromEntries(BUNDLES.map((b) => [b.name, join(here, 'src', b.entry)])),
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
    outdir,
  });
  for (const { name, limit } of BUNDLES) {
    const file = `${name}.js`;
    const code = readFileSync(join(outdir, file));
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`${file}: ${code.length} bytes raw, ${gz} bytes gzip (limit ${limit})`);
    if (gz > limit) {
      console.error(`${file} is over the ${limit}-byte gzip budget`);
      process.exitCode = 1;
    }
    if (!check) continue;
    const target = join(staticDir, file);
    if (!existsSync(target) || !readFileSync(target).equals(code)) {
      console.error(`hub/static/${file} is stale: run \`npm run build\` in inbox-client/`);
      process.exitCode = 1;
    } else {
      console.log(`hub/static/${file} is up to date`);
    }
  }
} catch (err) {
  console.error(err.message || err);
  process.exitCode = 1;
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
