import { describe, expect, it } from 'vitest';
import { cameraStatuses } from '@smart-commune/shared';
import { fleetMessages } from './fleet-messages.js';

describe("technician's words", () => {
  it('name every stream state a box reports, in both languages', () => {
    for (const lang of ['vi', 'en'] as const) {
      const words = fleetMessages[lang] as Record<string, string>;
      for (const status of [...cameraStatuses, 'unknown']) expect(words[`cameraStatus_${status}`], `${lang} ${status}`).toBeTruthy();
    }
  });
});
