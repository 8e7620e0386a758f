import { type ReleaseKeySet, type ReleasePublicKey } from '@smart-commune/shared';
import type { EdgeHomeLayout } from '../supervisor/layout.js';
/** keys/release-keys.json: the release keys this box trusts (from provisioning, then signed rotations). */
export declare function loadTrustedKeys(layout: EdgeHomeLayout): ReleaseKeySet | null;
export declare function trustedKeys(layout: EdgeHomeLayout): ReleasePublicKey[];
/** Stores the set given at provisioning unless the box already has one (a re-provisioning keeps rotated keys). */
export declare function storeInitialKeys(layout: EdgeHomeLayout, keys: ReleasePublicKey[]): ReleaseKeySet;
/** Applies a signed key-rotation message (throws a ReleaseError when it is not acceptable). */
export declare function rotateTrustedKeys(layout: EdgeHomeLayout, message: unknown): ReleaseKeySet;
//# sourceMappingURL=trusted-keys.d.ts.map