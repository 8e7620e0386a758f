import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { verifyExport, type VerifyReport } from './verify-export.js';

export interface VerifyRequest {
  file: string;
  publicKeyFile?: string;
  fingerprint?: string;
}

export const VERIFY_USAGE = 'Usage: sc-cloud verify-export FILE.zip [--public-key PEM_FILE | --fingerprint HEX]';

export const VERIFY_HELP = [
  VERIFY_USAGE,
  '',
  'Kiểm tra gói bằng chứng xuất từ máy chủ, không cần mạng hay cơ sở dữ liệu: chữ ký trên manifest.json,',
  'rồi mã băm và kích thước từng tệp; nêu tên tệp bị sửa, thiếu hoặc thừa.',
  'Checks an evidence export offline (no network, no database): the signature over manifest.json, then',
  "every file's sha256 and size; names each file changed, missing or added.",
  '',
  '  --fingerprint HEX     dấu vân tay khóa ký (trang /healthz của máy chủ) / the signing key fingerprint (the cloud\'s /healthz)',
  '  --public-key FILE     khóa công khai PEM của máy chủ / the cloud\'s public key (PEM)',
  '  (không có: dùng khóa trong gói và in dấu vân tay để so / neither: the bundle\'s own key, its fingerprint printed to compare)',
  '',
  'Exit: 0 hợp lệ / verified, 1 bị từ chối / refused, 2 sai lệnh / usage.',
].join('\n');

/** `verify-export`'s arguments, or a mistake to name (exit code 2). */
export function parseVerifyArgs(args: readonly string[]): VerifyRequest | { error: string } {
  const request: Partial<VerifyRequest> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--public-key' || arg === '--fingerprint') {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) return { error: `${arg} cần một giá trị / needs a value\n${VERIFY_USAGE}` };
      if (arg === '--public-key') request.publicKeyFile = value;
      else if (!/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/.test(value)) return { error: `--fingerprint phải là 64 chữ số hex / must be 64 hex digits (SHA-256), got ${JSON.stringify(value)}` };
      else request.fingerprint = value;
    } else if (arg.startsWith('-')) return { error: `không rõ tuỳ chọn / unknown option ${JSON.stringify(arg)}\n${VERIFY_USAGE}` };
    else if (request.file === undefined) request.file = arg;
    else return { error: `chỉ kiểm tra một tệp mỗi lần / one file at a time (got ${JSON.stringify(arg)} too)\n${VERIFY_USAGE}` };
  }
  if (request.file === undefined) return { error: `thiếu tên tệp / FILE.zip missing\n${VERIFY_USAGE}` };
  if (request.publicKeyFile && request.fingerprint) return { error: `--public-key hoặc --fingerprint, không cả hai / one of --public-key and --fingerprint, not both\n${VERIFY_USAGE}` };
  return request as VerifyRequest;
}

/** What a person reads: the verdict first, then each problem or each checked file. */
export function describeReport(report: VerifyReport, file: string): string {
  if (!report.ok) {
    return [
      `BỊ TỪ CHỐI / REFUSED: ${file}`,
      ...report.problems.map((p) => `  - ${p.vi} / ${p.en}`),
      'Gói bằng chứng này không được coi là nguyên vẹn. / This bundle cannot be taken as unaltered.',
    ].join('\n');
  }
  const { manifest, key } = report;
  return [
    `HỢP LỆ / VERIFIED: ${file}`,
    `  sự việc / incident ${manifest!.incidentId}, xuất lúc / exported ${manifest!.exportedAt} bởi / by ${manifest!.exportedBy} (sc-cloud ${manifest!.cloudVersion})`,
    `  khóa ký / signing key Ed25519 ${key!.fingerprint}`,
    key!.pinned
      ? '  đúng khóa đưa vào / the key given'
      : '  khóa lấy từ chính gói: hãy so dấu vân tay với trang sức khoẻ của máy chủ (/healthz) / key taken from the bundle itself: compare its fingerprint with the cloud\'s health page (/healthz), or pass --fingerprint',
    ...report.files.map((f) => `  ✓ ${f.name} (${f.bytes} bytes)`),
  ].join('\n');
}

/** Runs the check; the exit code: 0 verified, 1 refused, 2 a mistake in the command. */
export async function runVerifyExport(request: VerifyRequest, out: (text: string) => void, err: (text: string) => void): Promise<0 | 1 | 2> {
  let publicKeyPem: string | undefined;
  try {
    // a missing or unreadable file is a mistake in the command, said plainly, not a refused bundle
    accessSync(request.file, constants.R_OK);
    if (!statSync(request.file).isFile()) throw Object.assign(new Error('not a file'), { path: request.file });
    if (request.publicKeyFile) publicKeyPem = readFileSync(request.publicKeyFile, 'utf8');
  } catch (e) {
    err(`không đọc được / cannot read ${(e as NodeJS.ErrnoException).path ?? request.file}: ${(e as Error).message}`);
    return 2;
  }
  const report = await verifyExport(request.file, { ...(publicKeyPem ? { publicKeyPem } : {}), ...(request.fingerprint ? { fingerprint: request.fingerprint } : {}) });
  (report.ok ? out : err)(describeReport(report, request.file));
  return report.ok ? 0 : 1;
}
