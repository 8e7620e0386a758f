/**
 * Province plan benchmark (issue 10): how long one province-wide programme takes to reach every box's
 * plan (scripts/bench/lib/province-plan.ts measures it; scripts/bench/province adds the alert and the
 * figures under data). Figures: POST response time, and from the POST to each box's new plan arriving
 * (p50, p99, max).
 *
 *   scripts/bench/province-plan [--communes N]
 */
import { measureProvincePlan } from './lib/province-plan.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`--${name} must be a whole number from 1 to 1000`);
  return value;
}

async function main(): Promise<void> {
  const figures = await measureProvincePlan({ communes: arg('communes', 50) });
  console.log(`RESULT ${JSON.stringify(figures)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.log(`RESULT ${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}`);
  process.exit(1);
});
