export * from './announce.js';
export * from './features.js';
export * from './paths.js';
export * from './lenient.js';
export * from './gates.js';
export * from './desired.js';
