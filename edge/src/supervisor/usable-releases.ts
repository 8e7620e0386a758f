import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import { releaseVersionSchema, verifyReleaseDir, type ReleaseManifest } from '@smart-commune/shared';
import { removeRelease } from '../releases/install.js';
import { trustedKeys } from '../releases/trusted-keys.js';
import type { EdgeHomeLayout } from './layout.js';

/**
 * The installed releases the supervisor may start. Verifying a release reads every file (and hashes
 * them with SC_SUPERVISOR_VERIFY_HASHES), too slow to repeat at each restart of a crashing daemon: a
 * verdict is kept until forgotten (a switch request checks afresh; a rolled-back release is forgotten).
 */
export class UsableReleases {
  private readonly verified = new Map<string, ReleaseManifest>();
  /** Why the last release checked could not be used (for failure reports). */
  lastProblem = '';

  constructor(
    private readonly layout: EdgeHomeLayout,
    private readonly verifyHashes: boolean,
    private readonly log: Logger,
  ) {}

  /** The release's manifest if it is there, signed by a trusted key, for this box, complete; else null (logged). */
  async check(version: string): Promise<ReleaseManifest | null> {
    const known = this.verified.get(version);
    if (known) return known;
    try {
      const manifest = await verifyReleaseDir(this.layout.releaseDir(version), trustedKeys(this.layout), { hashes: this.verifyHashes });
      const problem =
        manifest.product !== 'edge' ? `it is a ${manifest.product} release` : manifest.version !== version ? `its manifest says version ${manifest.version}` : manifest.arch !== process.arch ? `it is for ${manifest.arch}, this box is ${process.arch}` : null;
      if (problem) throw new Error(problem);
      this.verified.set(version, manifest);
      return manifest;
    } catch (err) {
      this.lastProblem = (err as Error).message;
      this.log.error({ version, err: (err as Error).message }, 'release not usable');
      return null;
    }
  }

  forget(version: string): void {
    this.verified.delete(version);
  }

  /** Keeps the given versions and the supervisor's own release; deletes the rest (and their health files). */
  removeAllBut(keepVersions: Array<string | null>): void {
    const keep = new Set(keepVersions);
    try {
      keep.add(basename(readlinkSync(this.layout.program)));
    } catch {
      // no program link (tests, or a box set up by hand)
    }
    for (const name of readdirSync(this.layout.releases)) {
      if (!releaseVersionSchema.safeParse(name).success || keep.has(name)) continue;
      removeRelease(this.layout, name);
      rmSync(this.layout.health(name), { force: true });
      this.forget(name);
      this.log.info({ version: name }, 'old release removed');
    }
  }
}
