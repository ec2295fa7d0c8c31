#!/usr/bin/env node
// Builds the web console into dist/console (part of `npm run build`, `prepare` and `npm test`):
//   - type-checks lib/console/web with its own tsconfig (DOM types; the Node build excludes it);
//   - bundles the pages (app.ts with uPlot) with esbuild into dist/console/assets/app.js and the
//     stylesheet (uPlot's and ours) into app.css, and copies index.html;
//   - bundles the drop page (drop.ts with lib/record, the browser's CRC-32C and codecs swapped in)
//     and inlines it with the stylesheet into one self-contained dist/console/drop.html.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'lib/console/web');
const out = join(root, 'dist/console');
const require = createRequire(import.meta.url);

const check = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(web, 'tsconfig.json')],
  { stdio: 'inherit' });
if (check.status !== 0) {
  console.error('build-console: the web console does not type-check');
  process.exit(1);
}

/** lib/record imports lib/platform (native modules) and compression (Node packages): the browser gets its own two. */
const browserPlatform = {
  name: 'browser-platform',
  setup(b) {
    b.onResolve({ filter: /\/platform\/index\.js$/ }, () => ({ path: join(web, 'browser-platform.ts') }));
    b.onResolve({ filter: /^\.\/compression\.js$/ }, (args) =>
      args.importer.startsWith(join(root, 'lib/record')) ? { path: join(web, 'browser-compression.ts') } : undefined);
  },
};

const common = { bundle: true, format: 'iife', target: 'es2020', minify: true, legalComments: 'none', logLevel: 'warning' };
mkdirSync(join(out, 'assets'), { recursive: true });
await build({ ...common, entryPoints: [join(web, 'app.ts')], outfile: join(out, 'assets/app.js') });
const style = readFileSync(join(web, 'style.css'), 'utf8');
const uplotCss = readFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), 'utf8');
writeFileSync(join(out, 'assets/app.css'), `${uplotCss}\n${style}`);
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));

const drop = await build({ ...common, entryPoints: [join(web, 'drop.ts')], write: false, plugins: [browserPlatform] });
// Inside an inline <script>, "</script" would end it: escaped, the string means the same to the parser.
const script = drop.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
const page = readFileSync(join(web, 'drop.html'), 'utf8')
  .replace('/*STYLE*/', () => style)
  .replace('/*SCRIPT*/', () => script);
writeFileSync(join(out, 'drop.html'), page);
