import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandEngine } from './command-engine.js';
import { CommandTemplateError, fillCommandTemplate, parseCommandTemplate } from './command-template.js';
import { createTtsEngine } from './create-tts-engine.js';
import { EspeakEngine } from './espeak-engine.js';
import { SpeechRejected, TtsFailed } from './tts-errors.js';

describe('command templates', () => {
  it('splits words like a shell, quotes grouping, and fills placeholders inside words', () => {
    const words = parseCommandTemplate(`piper --model '/opt/voices/vi vn.onnx' --length_scale "{speed}" --output_file={out}`);
    expect(words).toEqual(['piper', '--model', '/opt/voices/vi vn.onnx', '--length_scale', '{speed}', '--output_file={out}']);
    expect(fillCommandTemplate(words, { '{out}': '/tmp/a b.wav', '{voice}': 'vi', '{speed}': '160' })).toEqual([
      'piper',
      '--model',
      '/opt/voices/vi vn.onnx',
      '--length_scale',
      '160',
      '--output_file=/tmp/a b.wav',
    ]);
  });

  it('refuses templates that cannot work', () => {
    expect(() => parseCommandTemplate('   ')).toThrow(CommandTemplateError);
    expect(() => parseCommandTemplate('piper --model vi.onnx')).toThrow(/must say where to write the WAV file with \{out\}/);
    expect(() => parseCommandTemplate(`piper --output_file '{out}`)).toThrow(/unclosed ' quote/);
  });
});

describe('CommandEngine', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-command-tts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the configured program with the text on stdin (here espeak-ng standing in for a neural engine)', async () => {
    const engine = new CommandEngine({ command: 'espeak-ng -b 1 -v {voice} -s {speed} -w {out} --stdin', voices: [{ id: 'vi-vn-x-south', label: 'Nam' }] });
    const out = join(dir, 'nam có dấu cách.wav');
    await engine.synthesize('Xin chào bà con ấp hai A', { voice: 'vi-vn-x-south', speed: 160 }, out);
    expect(statSync(out).size).toBeGreaterThan(10_000);
    expect(engine.id).toBe('command:espeak-ng');
  });

  it('only accepts its configured voices', async () => {
    const engine = new CommandEngine({ command: 'espeak-ng -w {out} --stdin' });
    await expect(engine.synthesize('xin chào', { voice: 'vi', speed: 160 }, join(dir, 'x.wav'))).rejects.toBeInstanceOf(SpeechRejected);
    expect(engine.voices).toEqual([{ id: 'default', label: 'Mặc định' }]);
  });

  it('reports a program that fails or writes no audio as an engine fault', async () => {
    const failing = new CommandEngine({ command: 'ffmpeg -v error -i /nonexistent/voice.wav {out}' });
    await expect(failing.synthesize('xin chào', { voice: 'default', speed: 160 }, join(dir, 'f.wav'))).rejects.toThrow(
      /the speech engine command:ffmpeg failed: ffmpeg exited with code 1: .*No such file or directory/,
    );
    const silent = new CommandEngine({ command: 'true {out}' });
    await expect(silent.synthesize('xin chào', { voice: 'default', speed: 160 }, join(dir, 's.wav'))).rejects.toThrow(TtsFailed);
    await expect(silent.synthesize('xin chào', { voice: 'default', speed: 160 }, join(dir, 's.wav'))).rejects.toThrow(/produced no audio/);
  });
});

describe('createTtsEngine', () => {
  it('builds espeak-ng or a command engine from configuration', () => {
    expect(createTtsEngine({ engine: 'espeak-ng' })).toBeInstanceOf(EspeakEngine);
    expect(createTtsEngine({ engine: 'command', command: 'piper --model vi.onnx --output_file {out}' })).toBeInstanceOf(CommandEngine);
    expect(() => createTtsEngine({ engine: 'command' })).toThrow(/needs a command template/);
  });
});
