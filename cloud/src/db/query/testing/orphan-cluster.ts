/** Starts a test cluster, prints its port, and dies without cleaning up (as a crashed test worker would). */
import { startPostgres } from '../../../../../test-support/postgres.js';

const cluster = await startPostgres();
process.stdout.write(`${cluster.port}\n`);
process.kill(process.pid, 'SIGKILL');
