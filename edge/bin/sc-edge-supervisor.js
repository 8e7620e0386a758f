#!/usr/bin/env node
// `npx sc-edge-supervisor` from a checkout; on a box systemd runs supervisor/program/dist/supervisor/cli.js
import { existsSync } from 'node:fs';
const cli = new URL('../dist/supervisor/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('sc-edge-supervisor chưa được biên dịch / is not built yet: run `npx tsc -b`');
  process.exit(2);
}
await import(cli.href);
