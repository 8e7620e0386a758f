import { describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { createCloudMetrics } from '../metrics.js';
import { AccountGate } from './account-gate.js';

/** The claim's wait for an external broker's account: bounded, counted, never failing the claim. */
describe('AccountGate', () => {
  const setup = (timeoutMs: number) => {
    const metrics = createCloudMetrics();
    const gate = new AccountGate({ timeoutMs, logger: silentLogger(), waits: metrics.brokerAccountWaits });
    const count = async (event: string, outcome: string) => (await metrics.brokerAccountWaits.get()).values.find((v) => v.labels.event === event && v.labels.outcome === outcome)?.value ?? 0;
    return { gate, count };
  };

  it('waits for nothing while no account keeper is attached (the embedded broker)', async () => {
    const { gate, count } = setup(10_000);
    await gate.settle('edg_a', 'claim');
    expect(await count('claim', 'applied')).toBe(0);
  });

  it('answers once the account is applied, and counts it', async () => {
    const { gate, count } = setup(10_000);
    let release!: () => void;
    const applied = new Promise<void>((r) => (release = r));
    gate.attach({ applied: () => applied });
    let settled = false;
    const waiting = gate.settle('edg_a', 'claim').then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    release();
    await waiting;
    expect(await count('claim', 'applied')).toBe(1);
  });

  it('answers anyway after the timeout, or when the broker refused, counting each', async () => {
    const { gate, count } = setup(50);
    gate.attach({ applied: () => new Promise<void>(() => undefined) });
    const started = Date.now();
    await gate.settle('edg_a', 'rotation');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(await count('rotation', 'timeout')).toBe(1);
    gate.attach({ applied: () => Promise.reject(new Error('Client not found')) });
    await gate.settle('edg_a', 'claim');
    expect(await count('claim', 'failed')).toBe(1);
  });
});
