export { startEdgeDaemon } from './daemon.js';
export { provision, ProvisionError } from './fleet/provision.js';
export { loadEdgeConfig, loadCredentials, saveEdgeConfig, EdgeConfigError, resolveDataDir } from './config.js';
export { childProcessCounts, childProcessMetricsText } from './child-processes.js';
//# sourceMappingURL=index.js.map