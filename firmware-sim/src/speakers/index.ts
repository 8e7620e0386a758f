export {
  startSimSpeaker,
  type SimSpeaker,
  type SimSpeakerOptions,
  type SimSpeakerFaults,
  type SimSpeakerItem,
  type SimSpeakerStatus,
} from './sim-speaker.js';
export { startHamletSpeakers, type HamletSpeakers, type HamletSpeakersOptions, type SimSpeakerConfig } from './launcher.js';
