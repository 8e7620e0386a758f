export type SpeechRejectedCode = 'empty_text' | 'text_too_long' | 'unknown_voice' | 'speed_out_of_range' | 'invalid_dictionary_entry';

/** A speech request the operator must correct (HTTP 422); the message says what to change. */
export class SpeechRejected extends Error {
  override name = 'SpeechRejected';
  readonly status = 422;
  constructor(
    readonly code: SpeechRejectedCode,
    message: string,
  ) {
    super(message);
  }
}

/** The speech engine itself failed (not installed, crashed, produced nothing): a server fault, not the operator's. */
export class TtsFailed extends Error {
  override name = 'TtsFailed';
  constructor(
    readonly engine: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the speech engine ${engine} failed: ${detail}`, options);
  }
}
