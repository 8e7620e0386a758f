/** Why a bundle, a manifest or a key message was refused; `code` is stable for logs, metrics and the cloud's API. */
export type ReleaseErrorCode =
  | 'bad_manifest'
  | 'bad_signature'
  | 'unknown_key'
  | 'no_keys'
  | 'bad_layout'
  | 'missing_file'
  | 'unexpected_file'
  | 'size_mismatch'
  | 'hash_mismatch'
  | 'stale_keys';

export class ReleaseError extends Error {
  override name = 'ReleaseError';
  constructor(
    readonly code: ReleaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
