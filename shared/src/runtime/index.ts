export * from './logger.js';
export * from './migrate.js';
export * from './backoff.js';
