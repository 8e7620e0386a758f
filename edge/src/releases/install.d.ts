import { type ReleaseArch, type ReleaseManifest, type ReleasePublicKey } from '@smart-commune/shared';
import { type EdgeHomeLayout } from '../supervisor/layout.js';
/**
 * Installs a bundle side by side with the running version: the tar is read as a stream, its signature
 * checked before any file is written, each file written (and fsynced) into releases/.incoming-<v>-<pid>
 * while its sha256 is checked, and only a complete, verified directory is renamed to releases/<v>.
 * A refused bundle or a power cut leaves no releases/<v> behind (the supervisor deletes .incoming-*).
 */
export interface InstallOptions {
    layout: EdgeHomeLayout;
    publicKeys: readonly ReleasePublicKey[];
    /** The CPU this box needs; default this process's. */
    arch?: string;
}
export declare function currentArch(): ReleaseArch | string;
export declare function installBundle(tarPath: string, options: InstallOptions): Promise<{
    manifest: ReleaseManifest;
    dir: string;
    alreadyInstalled: boolean;
}>;
/** Removes leftovers of interrupted installs and deletions (never a releases/<version>). */
export declare function cleanReleaseLeftovers(layout: EdgeHomeLayout): string[];
/** Deletes an installed release: renamed away first, so half a deletion never looks like a release. */
export declare function removeRelease(layout: EdgeHomeLayout, version: string): void;
//# sourceMappingURL=install.d.ts.map