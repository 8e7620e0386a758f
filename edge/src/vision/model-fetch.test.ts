import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabels, readModelFile } from './model.js';
import { fetchModels } from './model-fetch.js';
import { MODEL_DIR } from './testing/media.js';

/** A local mirror of the pinned model folder; `tampered` serves other bytes under the same name. */
let server: Server;
let baseUrl: string;
let requests = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    const name = req.url!.split('/').pop()!;
    const file = join(MODEL_DIR, name);
    if (req.url!.startsWith('/tampered/') && existsSync(file)) return res.end(Buffer.concat([readFileSync(file), Buffer.from('x')]));
    if (req.url!.startsWith('/good/') && existsSync(file)) return res.end(readFileSync(file));
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('fetchModels', () => {
  it('downloads a model whose sha256 is the pinned one, with the labels, and keeps it on a second run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-fetch-'));
    expect(await fetchModels(dir, ['320x320'], `${baseUrl}/good/`)).toEqual([join(dir, 'yolox_nano_320x320.onnx')]);
    expect((await readModelFile(join(dir, 'yolox_nano_320x320.onnx'), 'yolox_nano_320x320.onnx')).verified).toBe(true);
    expect(await readLabels(join(dir, 'coco-labels.txt'))).toEqual(await readLabels(join(MODEL_DIR, 'coco-labels.txt')));
    const before = requests;
    expect(await fetchModels(dir, ['320x320'], `${baseUrl}/good/`)).toEqual([]);
    expect(requests).toBe(before);
  });

  it('refuses other bytes under the pinned name and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-fetch-'));
    await expect(fetchModels(dir, ['416x416'], `${baseUrl}/tampered/`)).rejects.toThrow(/sha256 [0-9a-f]{64}, expected dc1a3bc3.*refused/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the URL when the source is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-fetch-'));
    await expect(fetchModels(dir, ['384x640'], `${baseUrl}/nothing/`)).rejects.toThrow(`cannot download ${baseUrl}/nothing/yolox_nano_384x640.onnx: HTTP 404`);
  });
});
