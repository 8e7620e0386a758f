import type { AudioAsset } from '@smart-commune/shared';

export interface AlertSpeechInput {
  title: string;
  /** The exact words to say. */
  text: string;
  voice?: string;
  speed?: number;
  /** The user the bulletin is recorded against; null for automatic sources. */
  createdBy: string | null;
  /** The alert's commune, which its bulletin then belongs to (issue 10); null or absent: the province's own. */
  communeCode?: string | null;
}

export interface SpokenBulletin {
  /** The stored bulletin (row of `bulletins`) holding the audio. */
  bulletinId: string;
  asset: AudioAsset;
  durationMs: number;
}

/**
 * Turns an alert's text into a stored, distribution-ready bulletin (text-to-speech, loudness
 * normalisation, Opus). The audio pipeline implements it; alerts only depend on this.
 */
export interface AlertSpeech {
  speak(input: AlertSpeechInput): Promise<SpokenBulletin>;
}
