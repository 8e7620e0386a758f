export { startCloud, type CloudHandle, type StartOptions } from './server.js';
export { SERVICE_USERNAME } from './broker/start-broker.js';
export { loadCloudConfig, cloudConfigSchema, ConfigError, type CloudConfig } from './config.js';
