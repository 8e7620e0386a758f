import { ReleaseError, type CommandRequest, type CommandResponse } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { CommandRefused, type CommandServer } from '../fleet/commands.js';
import type { SupervisedContext } from '../supervisor/daemon-side.js';
import { loadTrustedKeys, rotateTrustedKeys } from './trusted-keys.js';

/** Why a box without a box home (not run by sc-edge-supervisor, e.g. a checkout) refuses a rotation. */
export const NOT_SUPERVISED = 'not_supervised';

/**
 * The `rotate-release-keys` command: the signed rotation message from the cloud, applied with the very
 * function `sc-edge-supervisor rotate-keys` uses (rotateTrustedKeys), so the box checks it the same way
 * whichever road it came by. A refusal carries the ReleaseError code (bad_signature, unknown_key,
 * stale_keys, bad_manifest, no_keys) for the cloud to record and show.
 */
export function rotateReleaseKeys(supervised: SupervisedContext | null, body: CommandRequest<'rotate-release-keys'>, logger: Logger): CommandResponse<'rotate-release-keys'> {
  if (!supervised) {
    throw new CommandRefused(NOT_SUPERVISED, 'this daemon was not started by sc-edge-supervisor: it has no box home whose release keys could change');
  }
  const previousSequence = loadTrustedKeys(supervised.layout)?.sequence ?? 0;
  try {
    const next = rotateTrustedKeys(supervised.layout, body.message);
    logger.warn({ sequence: next.sequence, previousSequence, keyIds: next.keys.map((k) => k.keyId) }, 'release keys rotated on request from the cloud');
    return { sequence: next.sequence, previousSequence, keyIds: next.keys.map((k) => k.keyId) };
  } catch (err) {
    if (err instanceof ReleaseError) {
      logger.warn({ code: err.code, err: err.message }, 'release key rotation refused');
      throw new CommandRefused(err.code, err.message);
    }
    throw err;
  }
}

export function registerKeyRotationCommand(commands: CommandServer, supervised: SupervisedContext | null, logger: Logger): void {
  commands.register('rotate-release-keys', (body) => rotateReleaseKeys(supervised, body, logger));
}
