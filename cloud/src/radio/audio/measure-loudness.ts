import { audioInput, ffmpeg } from './ffmpeg.js';

export interface Loudness {
  /** EBU R128 integrated loudness; -70 for silence. */
  integratedLufs: number;
  /** Highest true (inter-sample) peak; -Infinity for digital silence. */
  truePeakDbtp: number;
}

const summaryValue = (summary: string, label: string): number => {
  const match = new RegExp(`${label}:\\s+(-?inf|-?\\d+(?:\\.\\d+)?)`).exec(summary);
  if (!match) throw new Error(`ffmpeg's ebur128 summary has no "${label}" value`);
  return match[1]!.endsWith('inf') ? -Infinity : Number(match[1]);
};

/** Measures a file as a loudness meter would (ffmpeg ebur128, true peak by oversampling). */
export async function measureLoudness(path: string): Promise<Loudness> {
  const { stderr } = await ffmpeg(['-nostats', ...audioInput(path), '-map', '0:a:0', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-']);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  return { integratedLufs: summaryValue(summary, 'I'), truePeakDbtp: summaryValue(summary, 'Peak') };
}
