import type { Http, Poller } from './cloud-http.js';
import type { CpuReport } from './cpu-report.js';
import type { Options } from './options.js';
import type { Sampler } from './proc-sampler.js';
import type { WorkerHandle } from './worker-handle.js';

/** What every phase of a fleet run reads and writes: the options, the RESULT being built, the probes. */
export interface RunContext {
  opts: Options;
  /** The RESULT line's fields, in the order they are first set. */
  result: Record<string, unknown>;
  /** Printed as `note: …` before the RESULT line. */
  notes: string[];
  log: (line?: string) => void;
  /** The run failed: RESULT ok false, exit code 1. */
  fail(): void;
  http: Http;
  poller: Poller;
  sampler: Sampler;
  workers: WorkerHandle[];
  cpu: CpuReport;
}
