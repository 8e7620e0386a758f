import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { userWithRole } from '../../incidents/testing/incident-kit.js';

interface Entry {
  abbreviation: string;
  expansion: string;
  source: 'default' | 'custom';
}

describe('the pronunciation dictionary the operators edit', () => {
  let test: TestCloud;
  let operator: string;
  let viewer: string;
  let technician: string;

  beforeAll(async () => {
    test = await startTestCloud();
    operator = (await userWithRole(test, 'operator')).token;
    viewer = (await userWithRole(test, 'viewer')).token;
    technician = (await userWithRole(test, 'technician')).token;
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  const entryPath = (abbreviation: string) => `/api/v1/tts/dictionary/${encodeURIComponent(abbreviation)}`;
  const listed = async (abbreviation: string): Promise<Entry | undefined> => {
    const res = await test.request<{ entries: Entry[] }>('GET', '/api/v1/tts/dictionary', undefined, operator);
    expect(res.status).toBe(200);
    return res.body.entries.find((e) => e.abbreviation === abbreviation);
  };
  /** What the speech engine is given for a text: the spoken text of a speech bulletin made from it. */
  const spoken = async (text: string): Promise<string> => {
    const res = await test.request('POST', '/api/v1/bulletins', { title: 'Thử từ điển', text }, operator);
    expect(res.status).toBe(201);
    return res.body.spokenText as string;
  };
  const savedFile = () => JSON.parse(readFileSync(join(test.dataDir, 'tts', 'pronunciation.json'), 'utf8')) as { custom: Record<string, string>; removed: string[] };

  it('adds an abbreviation, lists it, reads it out in full, then stops when it is deleted', async () => {
    expect(await listed('CLB')).toBeUndefined();
    expect(await spoken('CLB nông dân họp lúc 8 giờ.')).toContain('CLB');

    const added = await test.request<{ entries: Entry[] }>('PUT', entryPath('CLB'), { expansion: '  câu lạc   bộ ' }, operator);
    expect(added.status).toBe(200);
    expect(added.body.entries).toContainEqual({ abbreviation: 'CLB', expansion: 'câu lạc bộ', source: 'custom' });
    expect(await listed('CLB')).toEqual({ abbreviation: 'CLB', expansion: 'câu lạc bộ', source: 'custom' });
    expect(savedFile().custom).toEqual({ CLB: 'câu lạc bộ' });
    const withEntry = await spoken('CLB nông dân họp lúc 8 giờ.');
    expect(withEntry).toContain('câu lạc bộ nông dân');
    expect(withEntry).not.toContain('CLB');

    const deleted = await test.request<{ entries: Entry[] }>('DELETE', entryPath('CLB'), undefined, operator);
    expect(deleted.status).toBe(200);
    expect(deleted.body.entries.some((e) => e.abbreviation === 'CLB')).toBe(false);
    expect(await listed('CLB')).toBeUndefined();
    expect(savedFile().custom).toEqual({});
    expect(await spoken('CLB nông dân họp lúc 8 giờ.')).toContain('CLB');

    const again = await test.request('DELETE', entryPath('CLB'), undefined, operator);
    expect(again.status).toBe(404);
    expect(again.body.error).toMatchObject({ code: 'not_found', message: 'abbreviation CLB not found' });
  });

  it('changes how a shipped abbreviation is read, and removes one the commune does not want expanded', async () => {
    expect(await listed('HTX')).toEqual({ abbreviation: 'HTX', expansion: 'hợp tác xã', source: 'default' });
    expect(await spoken('HTX Vị Tân chia lãi.')).toContain('hợp tác xã Vị Tân');

    expect((await test.request('PUT', entryPath('HTX'), { expansion: 'hợp tác xã nông nghiệp' }, operator)).status).toBe(200);
    expect(await listed('HTX')).toEqual({ abbreviation: 'HTX', expansion: 'hợp tác xã nông nghiệp', source: 'custom' });
    expect(await spoken('HTX Vị Tân chia lãi.')).toContain('hợp tác xã nông nghiệp Vị Tân');

    expect((await test.request('DELETE', entryPath('HTX'), undefined, operator)).status).toBe(200);
    expect(await listed('HTX')).toBeUndefined();
    expect(savedFile()).toMatchObject({ custom: {}, removed: ['HTX'] });
    expect(await spoken('HTX Vị Tân chia lãi.')).toContain('HTX Vị Tân');

    // writing the shipped reading back restores the default entry
    expect((await test.request('PUT', entryPath('HTX'), { expansion: 'hợp tác xã' }, operator)).status).toBe(200);
    expect(await listed('HTX')).toEqual({ abbreviation: 'HTX', expansion: 'hợp tác xã', source: 'default' });
    expect(savedFile()).toEqual({ custom: {}, removed: [] });
  });

  it('refuses a change without a usable expansion or abbreviation, naming what is wrong', async () => {
    for (const body of [{}, { expansion: '   ' }, { expansion: 'x'.repeat(201) }, { expansion: 42 }]) {
      const res = await test.request('PUT', entryPath('BCĐ'), body, operator);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['expansion']);
    }
    const tooLong = await test.request('PUT', entryPath('A'.repeat(41)), { expansion: 'chữ a' }, operator);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details.map((d: { path: string }) => d.path)).toEqual(['abbreviation']);

    for (const abbreviation of ['H TX', '2024']) {
      const res = await test.request('PUT', entryPath(abbreviation), { expansion: 'hợp tác xã' }, operator);
      expect(res.status, abbreviation).toBe(422);
      expect(res.body.error.code).toBe('invalid_dictionary_entry');
      expect(res.body.error.message).toContain(`not "${abbreviation}"`);
    }
    expect(await listed('BCĐ')).toBeUndefined();
    expect(await listed('2024')).toBeUndefined();
  });

  it('lets only operators and admins read or change it', async () => {
    for (const token of [viewer, technician]) {
      expect((await test.request('GET', '/api/v1/tts/dictionary', undefined, token)).status).toBe(403);
      const put = await test.request('PUT', entryPath('BCĐ'), { expansion: 'Ban chỉ đạo' }, token);
      expect(put.status).toBe(403);
      expect(put.body.error.code).toBe('forbidden');
      expect((await test.request('DELETE', entryPath('UBND'), undefined, token)).status).toBe(403);
    }
    expect((await test.request('PUT', entryPath('BCĐ'), { expansion: 'Ban chỉ đạo' }, null)).status).toBe(401);
    expect(await listed('BCĐ')).toBeUndefined();
    expect((await listed('UBND'))?.source).toBe('default');

    expect((await test.request('PUT', entryPath('BCĐ'), { expansion: 'Ban chỉ đạo' }, test.adminToken)).status).toBe(200);
    expect(await listed('BCĐ')).toEqual({ abbreviation: 'BCĐ', expansion: 'Ban chỉ đạo', source: 'custom' });
  });
});
