import { type EdgeConfig } from '../config.js';
export declare class ProvisionError extends Error {
    name: string;
}
export interface ProvisionOptions {
    cloudUrl: string;
    token: string;
    dataDir: string;
    /** Replace an existing provisioning (a box moved or re-issued). */
    force?: boolean;
}
/** Claims the box with a one-time token and writes its config and its credentials (0600). */
export declare function provision(options: ProvisionOptions): Promise<EdgeConfig>;
//# sourceMappingURL=provision.d.ts.map