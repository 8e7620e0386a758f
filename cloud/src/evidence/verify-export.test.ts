import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { CLIP, SNAPSHOT } from '../incidents/testing/incident-kit.js';
import { exportBundle } from '../incidents/export-bundle.js';
import { loadExportSigner, signerFromPem, type ExportSigner } from './signing-key.js';
import { verifyExport } from './verify-export.js';
import { DEFAULT_ZIP_LIMITS } from './zip-entries.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every entry of a zip, in order, as bytes (test bundles are a few MB). */
async function readAll(path: string): Promise<[string, Buffer][]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const out: [string, Buffer][] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out.push([entry.fileName, Buffer.concat(chunks)]);
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return out;
}

async function writeZip(path: string, entries: [string, Buffer][], compress = false): Promise<void> {
  const zip = new ZipFile();
  for (const [name, bytes] of entries) zip.addBuffer(bytes, name, { compress });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

/** An attacker's copy: entries edited, SHA256SUMS regenerated so `sha256sum -c` still passes. */
async function tamper(src: string, dst: string, edit: (entries: Map<string, Buffer>) => void): Promise<void> {
  const entries = new Map(await readAll(src));
  edit(entries);
  const sums = [...entries].filter(([n]) => n !== 'SHA256SUMS').map(([n, b]) => `${sha256(b)}  ${n}\n`).join('');
  entries.set('SHA256SUMS', Buffer.from(sums));
  await writeZip(dst, [...entries]);
}

describe('signed evidence exports, checked offline', () => {
  let dir: string;
  let signer: ExportSigner;
  let bundle: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-verify-'));
    signer = loadExportSigner({ SC_DATA_DIR: join(dir, 'data') });
    bundle = join(dir, 'export.zip');
    const clipPath = join(dir, 'clip.mp4');
    writeFileSync(clipPath, CLIP);
    const snapshotPath = join(dir, 'snapshot.jpg');
    writeFileSync(snapshotPath, SNAPSHOT);
    const zip = exportBundle({
      incidentId: 'inc_test',
      exportedAt: Date.UTC(2026, 11, 6, 14),
      exportedBy: 'police-1',
      metadata: { id: 'inc_test', label: 'person', notes: [{ text: 'Đã xác minh.' }] },
      trail: [{ action: 'incident.export', actor: 'police-1' }],
      media: [
        { name: 'snapshot.jpg', kind: 'snapshot', sha256: sha256(SNAPSHOT), bytes: SNAPSHOT.length },
        { name: 'clip.mp4', kind: 'clip', sha256: sha256(CLIP), bytes: CLIP.length },
      ],
      // streamed when the zip reaches each file, as the media store's reads are
      open: async (file) => createReadStream(file.kind === 'clip' ? clipPath : snapshotPath),
      signer,
      cloudVersion: '9.9.9',
    });
    await pipeline(zip, createWriteStream(bundle));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const problemsOf = async (path: string, options: Parameters<typeof verifyExport>[1] = {}) => (await verifyExport(path, options)).problems.map((p) => p.en);

  it('verifies the bundle as exported, with the pinned fingerprint or public key, and lists every file', async () => {
    const report = await verifyExport(bundle, { fingerprint: signer.fingerprint });
    expect(report).toMatchObject({ ok: true, problems: [], key: { fingerprint: signer.fingerprint, pinned: true } });
    expect(report.manifest).toMatchObject({ incidentId: 'inc_test', exportedBy: 'police-1', cloudVersion: '9.9.9', exportedAt: '2026-12-06T14:00:00.000Z', keyFingerprint: signer.fingerprint });
    expect(report.files).toEqual([
      { name: 'snapshot.jpg', bytes: SNAPSHOT.length },
      { name: 'clip.mp4', bytes: CLIP.length },
      { name: 'incident.json', bytes: expect.any(Number) },
      { name: 'audit.json', bytes: expect.any(Number) },
    ]);
    expect((await verifyExport(bundle, { publicKeyPem: signer.publicKeyPem })).ok).toBe(true);
    expect(await verifyExport(bundle)).toMatchObject({ ok: true, key: { pinned: false } });
  });

  it('the key file is kept across starts (0600) and a second load signs with the same key', () => {
    const again = loadExportSigner({ SC_DATA_DIR: join(dir, 'data') });
    expect(again.fingerprint).toBe(signer.fingerprint);
    expect(statSync(join(dir, 'data', 'keys', 'export-signing.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data', 'keys')).mode & 0o777).toBe(0o700);
    expect(() => signerFromPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'the test key')).toThrow(
      /the test key holds a ec key; export signing needs Ed25519/,
    );
  });

  it('takes a key generated by openssl (SC_EXPORT_SIGNING_KEY_FILE), with the fingerprint openssl gives, and refuses a file that is no key', () => {
    const file = join(dir, 'openssl.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', file]);
    const fingerprint = execFileSync('sh', ['-c', `openssl pkey -in '${file}' -pubout -outform DER | sha256sum`]).toString().split(' ')[0];
    expect(loadExportSigner({ SC_DATA_DIR: join(dir, 'unused'), SC_EXPORT_SIGNING_KEY_FILE: file }).fingerprint).toBe(fingerprint);
    const wrong = join(dir, 'wrong.pem');
    writeFileSync(wrong, 'not a key\n');
    expect(() => loadExportSigner({ SC_DATA_DIR: dir, SC_EXPORT_SIGNING_KEY_FILE: wrong })).toThrow(`the export signing key ${wrong} is not a PEM private key`);
  });

  it('refuses incident.json edited with SHA256SUMS regenerated, naming the file', async () => {
    const edited = join(dir, 'edited.zip');
    await tamper(bundle, edited, (e) => e.set('incident.json', Buffer.from(e.get('incident.json')!.toString().replace('person', 'car'))));
    expect(await problemsOf(edited, { fingerprint: signer.fingerprint })).toEqual(['incident.json: sha256 differs from the signed manifest']);
  });

  it('refuses a manifest re-signed with another key: the bundle\'s public key swapped', async () => {
    const other = signerFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'other');
    const forged = join(dir, 'forged.zip');
    await tamper(bundle, forged, (e) => {
      const manifest = JSON.parse(e.get('manifest.json')!.toString());
      const metadata = Buffer.from(e.get('incident.json')!.toString().replace('person', 'car'));
      e.set('incident.json', metadata);
      Object.assign(manifest.files.find((f: { name: string }) => f.name === 'incident.json'), { sha256: sha256(metadata), bytes: metadata.length });
      manifest.keyFingerprint = other.fingerprint;
      const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      e.set('manifest.json', bytes);
      e.set('manifest.sig', Buffer.from(other.sign(bytes).toString('base64')));
      e.set('public-key.pem', Buffer.from(other.publicKeyPem));
    });
    // consistent in itself, so only the fingerprint or key of the cloud (its health page) tells it apart
    expect(await problemsOf(forged, { fingerprint: signer.fingerprint })).toEqual([`signing key ${other.fingerprint} is not the expected ${signer.fingerprint}`]);
    expect(await problemsOf(forged, { publicKeyPem: signer.publicKeyPem })).toEqual([
      'public-key.pem: not the public key given',
      'signature invalid: the manifest was changed or not signed by this key',
      `the manifest names key ${other.fingerprint}, not ${signer.fingerprint}`,
    ]);

    // only the public key swapped: the cloud's signature does not verify under it
    const swapped = join(dir, 'swapped.zip');
    await tamper(bundle, swapped, (e) => e.set('public-key.pem', Buffer.from(other.publicKeyPem)));
    expect(await problemsOf(swapped)).toEqual(['signature invalid: the manifest was changed or not signed by this key', `the manifest names key ${signer.fingerprint}, not ${other.fingerprint}`]);
  });

  it('names a removed file, an added file and a missing signature', async () => {
    const removed = join(dir, 'removed.zip');
    await tamper(bundle, removed, (e) => e.delete('clip.mp4'));
    expect(await problemsOf(removed, { fingerprint: signer.fingerprint })).toEqual(['clip.mp4 missing']);
    const added = join(dir, 'added.zip');
    await tamper(bundle, added, (e) => e.set('notes.txt', Buffer.from('thêm vào sau')));
    expect(await problemsOf(added, { fingerprint: signer.fingerprint })).toEqual(['extra file notes.txt']);
    const noSignature = join(dir, 'unsigned.zip');
    await tamper(bundle, noSignature, (e) => e.delete('manifest.sig'));
    expect(await problemsOf(noSignature)).toEqual(['manifest.sig missing']);
  });

  it('says plainly that a truncated or non-zip file is not a complete zip', async () => {
    const truncated = join(dir, 'truncated.zip');
    const bytes = readFileSync(bundle);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const problems = await problemsOf(truncated);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^not a complete zip file \(truncated or damaged\): /);
  });

  it('stops at its bounds: a zip bomb, too many entries', async () => {
    const bomb = join(dir, 'bomb.zip');
    await writeZip(bomb, [['manifest.json', Buffer.from('{}')], ['zeros.bin', Buffer.alloc(64 * 1024 * 1024)]], true);
    expect(await problemsOf(bomb)).toEqual(['zeros.bin: compression ratio over 200:1 (a zip bomb?)']);
    expect(await problemsOf(bundle, { limits: { ...DEFAULT_ZIP_LIMITS, maxEntries: 5 } })).toEqual(['the zip has 8 entries, more than 5']);
  });

  it('`sc-cloud verify-export` (the built bin): exit 0 verified, 1 refused naming the file, 2 for a usage mistake, in Vietnamese and English', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(ROOT, 'cloud/bin/sc-cloud.js'), 'verify-export', ...args], { cwd: ROOT }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
      );
    const ok = await run([bundle, '--fingerprint', signer.fingerprint]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`HỢP LỆ / VERIFIED: ${bundle}`);
    expect(ok.stdout).toContain(`Ed25519 ${signer.fingerprint}`);
    expect(ok.stdout).toContain('✓ clip.mp4');

    const edited = join(dir, 'edited-cli.zip');
    await tamper(bundle, edited, (e) => e.set('incident.json', Buffer.from('{}\n')));
    const refused = await run([edited, '--fingerprint', signer.fingerprint]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BỊ TỪ CHỐI / REFUSED');
    expect(refused.stderr).toContain('incident.json: mã băm sha256 khác bản kê đã ký / incident.json: sha256 differs from the signed manifest');

    const keyFile = join(dir, 'cloud.pem');
    writeFileSync(keyFile, signer.publicKeyPem);
    expect((await run([bundle, '--public-key', keyFile])).code).toBe(0);
    const usage = await run([bundle, '--fingerprint', 'abc']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('must be 64 hex digits');
    expect((await run([])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sc-cloud verify-export FILE\.zip/);
    const missing = await run([join(dir, 'nope.zip')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  }, 60_000);
});
