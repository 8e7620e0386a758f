import type { Logger } from '@smart-commune/shared/runtime';
import { watchMediaJobs } from './jobs/media-jobs-metrics.js';
import { createLiveVoice } from './live-voice/live-voice.js';
import { createRadio, type RadioDeps } from './radio.js';

export interface StartRadioDeps extends Omit<RadioDeps, 'logger'> {
  /** The cloud's logger: the radio and the live voice log under their own component. */
  logger: Logger;
}

/**
 * The radio in the cloud: the domain (radio.ts), the metrics of the speech engine and ffmpeg queue,
 * and the operator's live voice. The live voice closes before the HTTP server (its sockets would
 * keep it open); `stop` stops the rest once the leadership has stopped.
 */
export async function startRadio(deps: StartRadioDeps) {
  const { logger, metrics, config } = deps;
  const radio = await createRadio({ ...deps, logger: logger.child({ component: 'radio' }) });
  const stopMediaJobMetrics = watchMediaJobs(metrics.registry);
  // the operator's microphone over a WebSocket into a live session (issue 13)
  const liveVoice = createLiveVoice({ live: radio.live, config, metrics, logger: logger.child({ component: 'live-voice' }) });
  return {
    radio,
    liveVoice,
    async stop(): Promise<void> {
      await radio.stop();
      stopMediaJobMetrics();
    },
  };
}
