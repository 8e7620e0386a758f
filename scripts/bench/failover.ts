/**
 * Failover benchmark (issue 11, "Proof"): two sc-cloud processes behind HAProxy on PostgreSQL,
 * Mosquitto and S3 (s3rver), 500 simulated boxes claimed through HAProxy. Each box sends a numbered
 * event every 2 s; every 10 s an alert or a schedule change is posted; a command a second goes to a
 * box; four readers keep requests flowing through HAProxy. At 20 s one cloud is killed with SIGKILL
 * (restarted at 40 s); at 50 s Mosquitto is killed with SIGKILL (restarted 5 s later); traffic stops at
 * 70 s. Checks and figures: see scripts/bench/lib/failover/run.ts. Ends with
 * `RESULT {"lost":0,"duplicated":0,"http_error_pct":..,"max_gap_ms":..,"broker_back_s":..,"ok":true}`.
 *   scripts/bench/failover [--boxes 500] [--clouds 2] [--real 2] [--keep]
 */
import { parseArgs } from 'node:util';
import { ISSUE_TIMELINE, runFailover } from './lib/failover/run.js';

const { values } = parseArgs({ options: { boxes: { type: 'string', default: '500' }, clouds: { type: 'string', default: '2' }, real: { type: 'string', default: '2' }, keep: { type: 'boolean', default: false } } });
const t0 = Date.now();
const log = (line: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} ${line}`);

async function main() {
  try {
    const result = await runFailover({ boxes: Number(values.boxes), clouds: Number(values.clouds), real: Number(values.real), timeline: ISSUE_TIMELINE, log, keepDir: values.keep });
    console.log('');
    for (const check of result.checks) console.log(`${check.ok === true ? 'PASS' : check.ok === false ? 'FAIL' : 'N/A '} ${check.name}: ${check.detail}`);
    console.log(`figures ${JSON.stringify(result.figures)}`);
    const { lost, duplicated, http_error_pct, max_gap_ms, broker_back_s, ok } = result;
    console.log(`RESULT ${JSON.stringify({ lost, duplicated, http_error_pct, max_gap_ms, broker_back_s, ok, failed: result.checks.filter((c) => c.ok === false).map((c) => c.name), rss_mib: result.figures.rss_mib })}`);
  } catch (err) {
    console.error(err instanceof Error ? err.stack : err);
    console.log(`RESULT ${JSON.stringify({ lost: null, duplicated: null, http_error_pct: null, max_gap_ms: null, broker_back_s: null, ok: false, error: err instanceof Error ? err.message : String(err) })}`);
    process.exitCode = 1;
  }
}

void main();
