export * from './errors.js';
export * from './manifest.js';
export * from './signing.js';
export * from './bundle.js';
export * from './keys.js';
