export { startEdgeDaemon, type EdgeDaemon, type EdgeDaemonOptions } from './daemon.js';
export { provision, ProvisionError, type ProvisionOptions } from './fleet/provision.js';
export { loadEdgeConfig, loadCredentials, saveEdgeConfig, EdgeConfigError, resolveDataDir, type EdgeConfig } from './config.js';
export { childProcessCounts, childProcessMetricsText } from './child-processes.js';
//# sourceMappingURL=index.d.ts.map