export * from './logger.js';
export * from './migrate.js';
export * from './backoff.js';
export * from './map-limited.js';
