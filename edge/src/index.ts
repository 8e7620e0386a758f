export { startEdgeDaemon, type EdgeDaemon, type EdgeDaemonOptions } from './daemon.js';
export { provision, ProvisionError, type ProvisionOptions } from './fleet/provision.js';
export { loadEdgeConfig, loadCredentials, saveEdgeConfig, EdgeConfigError, resolveDataDir, type EdgeConfig, type EdgeConfigInput } from './config.js';
export { childProcessCounts, childProcessMetricsText } from './child-processes.js';
export { EDGE_EXIT_RESTART } from './fleet/maintenance.js';
export { createEdgeLogger } from './logs/edge-logger.js';
export { Outbox, type OutboxOptions } from './outbox/outbox.js';
export { openEdgeDatabase } from './db/database.js';
