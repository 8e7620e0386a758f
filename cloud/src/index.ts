export { startCloud, SERVICE_USERNAME, type CloudHandle, type StartOptions } from './server.js';
export { loadCloudConfig, cloudConfigSchema, ConfigError, type CloudConfig } from './config.js';
