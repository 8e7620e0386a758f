import { describe, expect, it } from 'vitest';
import { checkMediaKey, InvalidMediaKey, mediaPath, parseMediaPath } from './media-key.js';

const sha = 'ab' + 'c'.repeat(62);

describe('media keys', () => {
  it("are the paths the domains use under the data dir today (AssetStore, MediaFiles, ReportPhotos)", () => {
    expect(mediaPath({ kind: 'audio', sha256: sha, ext: 'ogg' })).toBe(`assets/ab/${sha}.ogg`);
    expect(mediaPath({ kind: 'audio', sha256: sha, ext: 'mp3' })).toBe(`assets/ab/${sha}.mp3`);
    expect(mediaPath({ kind: 'incident', sha256: sha, ext: 'mp4' })).toBe(`incidents/ab/${sha}.mp4`);
    expect(mediaPath({ kind: 'report', sha256: sha, ext: 'jpg' })).toBe(`reports/${sha}.jpg`);
  });

  it('parse back from a path, and nothing else does (temporary files, another fan-out, a stray)', () => {
    expect(parseMediaPath('incident', `incidents/ab/${sha}.jpg`)).toEqual({ kind: 'incident', sha256: sha, ext: 'jpg' });
    expect(parseMediaPath('report', `reports/${sha}.jpg`)).toEqual({ kind: 'report', sha256: sha, ext: 'jpg' });
    expect(parseMediaPath('incident', 'incidents/tmp/0b5c.part')).toBeNull();
    expect(parseMediaPath('incident', `incidents/cd/${sha}.jpg`)).toBeNull();
    expect(parseMediaPath('incident', `reports/${sha}.jpg`)).toBeNull();
    expect(parseMediaPath('audio', `assets/ab/${sha}.wav`)).toBeNull();
  });

  it('refuse anything that could escape the folder or name another kind, saying what is wrong', () => {
    expect(() => checkMediaKey({ kind: 'incident', sha256: '../../cloud.db', ext: 'jpg' })).toThrow(InvalidMediaKey);
    expect(() => checkMediaKey({ kind: 'incident', sha256: sha.toUpperCase(), ext: 'jpg' })).toThrow(/lower-case hex sha256/);
    expect(() => checkMediaKey({ kind: 'toString' as 'audio', sha256: sha, ext: 'ogg' })).toThrow(/unknown media kind "toString"/);
    expect(() => checkMediaKey({ kind: 'audio', sha256: sha, ext: 'opus' })).toThrow(/\.opus is not an extension of audio media \(expected ogg, mp3\)/);
  });
});
