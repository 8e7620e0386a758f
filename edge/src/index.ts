export { startEdgeDaemon, type EdgeDaemon, type EdgeDaemonOptions } from './daemon.js';
export { provision, ProvisionError, type ProvisionOptions } from './fleet/provision.js';
export { loadEdgeConfig, loadCredentials, EdgeConfigError, resolveDataDir, type EdgeConfig } from './config.js';
