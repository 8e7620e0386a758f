export * from './layout.js';
export * from './durable.js';
export * from './protocol.js';
export * from './daemon-side.js';
