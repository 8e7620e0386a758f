export { startDemo, type DemoOptions, type RunningDemo } from './demo.js';
export { CloudClient, type EdgeSummary } from './cloud-client.js';
export { ensureProvisioned, boxName, type HamletBox } from './hamlet-box.js';
