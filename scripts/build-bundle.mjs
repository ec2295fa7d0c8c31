#!/usr/bin/env node
// Bundles the package's public entry points (part of `npm run build` and `prepare`) from the tsc
// output in dist/lib into dist/pkg, one file per entry plus shared chunks (code splitting), so a
// Log, an error class or the platform choice exists once however many entries an app imports.
//
// Why: loaded as 64 separate ESM files, the library costs about 12.5 MiB of resident memory at
// import; bundled, about 5 MiB (bench/README.md, RSS). dist/lib stays as tsc writes it: it holds
// the type declarations the exports point at, and the tests import its modules directly.
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

await build({
  absWorkingDir: root,
  entryPoints: {
    index: 'dist/lib/index.js',
    'broker/index': 'dist/lib/broker/index.js',
    'inspect/index': 'dist/lib/inspect/index.js',
    'console/index': 'dist/lib/console/index.js',
    'cli/main': 'dist/lib/cli/main.js',
  },
  outdir: 'dist/pkg',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
