import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') => fileURLToPath(new URL(`./${pkg}/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // tests run the TypeScript sources of every workspace package, not their builds
    alias: [
      { find: /^@smart-commune\/shared\/runtime$/, replacement: src('shared', 'runtime/index.ts') },
      { find: /^@smart-commune\/shared$/, replacement: src('shared') },
      { find: /^@smart-commune\/cloud$/, replacement: src('cloud') },
      { find: /^@smart-commune\/edge$/, replacement: src('edge') },
    ],
  },
  test: {
    include: ['*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // the boxes' periodic ONVIF discovery multicasts on the LAN; tests stay on 127.0.0.1
    env: { SC_EDGE_DISCOVERY_EVERY_S: '0' },
    outputFile: { junit: 'test-output/junit.xml' },
    reporters: ['default', 'junit'],
  },
});
