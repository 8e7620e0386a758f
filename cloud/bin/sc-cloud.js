#!/usr/bin/env node
// `npx sc-cloud` from a checkout: npm links this stub at install time, before `tsc -b` has built dist/.
import { existsSync } from 'node:fs';
const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('sc-cloud chưa được biên dịch / is not built yet: run `npx tsc -b` (scripts/demo and scripts/test do it)');
  process.exit(2);
}
await import(cli.href);
