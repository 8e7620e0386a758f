/** EBU R128 for distribution: what every bulletin must measure once encoded. */
export const LOUDNESS_TARGET = {
  integratedLufs: -16,
  /** Allowed deviation is ±1 LU; we aim within half of it so other meters and decoders agree. */
  toleranceLu: 0.5,
  /** The limit is -1.5 dBTP; we accept at most -2 for the same reason. */
  maxTruePeakDbtp: -2,
  /** Peak ceiling before encoding: codecs overshoot by up to about 1 dB. */
  ceilingDbtp: -3,
} as const;
