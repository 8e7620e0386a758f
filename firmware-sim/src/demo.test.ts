import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { freePort } from '../../test-support/ports.js';
import { startDemo } from './demo.js';

describe('the demo: the whole commune on one machine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('provisions nine boxes through the claim flow, brings them online, and reuses their credentials on the next start', async () => {
    const ports = { httpPort: await freePort(), mqttPort: await freePort() };
    const first = await startDemo({ dataDir, ...ports, print: () => undefined });
    let firstIds: string[];
    try {
      expect(first.edges).toHaveLength(9);
      expect(first.edges.every((e) => e.online)).toBe(true);
      expect(first.edges.map((e) => e.hamletName)).toEqual(VI_TAN.hamlets.map((h) => h.name));
      expect(first.admin.password).toBe(readFileSync(join(dataDir, 'cloud', 'admin-password.txt'), 'utf8').trim());
      firstIds = first.edges.map((e) => e.id).sort();
    } finally {
      await first.stop();
    }
    const credentials = readFileSync(join(dataDir, 'edges', 'ap-2a', 'credentials.json'), 'utf8');

    const lines: string[] = [];
    const second = await startDemo({ dataDir, ...ports, print: (line) => lines.push(line) });
    try {
      expect(second.edges.map((e) => e.id).sort()).toEqual(firstIds);
      expect(second.edges.every((e) => e.online)).toBe(true);
      expect(lines.filter((l) => l.includes('reusing credentials'))).toHaveLength(9);
      expect(readFileSync(join(dataDir, 'edges', 'ap-2a', 'credentials.json'), 'utf8')).toBe(credentials);
    } finally {
      await second.stop();
    }
    expect(second.processes.map((p) => [p.name, p.child.exitCode])).toEqual(second.processes.map((p) => [p.name, 0])); // clean SIGTERM shutdown
  }, 120_000);
});
