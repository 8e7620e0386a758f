import { randomBytes } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { hamletCodeSchema } from '@smart-commune/shared';

/** What citizens may report (security and order), with the words the form shows. */
export const REPORT_CATEGORIES = {
  'trom-cap': 'Trộm cắp tài sản',
  'gay-roi': 'Gây rối trật tự công cộng',
  'danh-nhau': 'Đánh nhau, cố ý gây thương tích',
  'tai-nan-giao-thong': 'Tai nạn, vi phạm giao thông',
  'ma-tuy': 'Ma túy',
  'co-bac': 'Cờ bạc, cá độ',
  'bao-luc-gia-dinh': 'Bạo lực gia đình',
  'chay-no': 'Cháy, nổ',
  'nguoi-la': 'Người lạ, hành vi đáng ngờ',
  khac: 'Việc khác về an ninh, trật tự',
} as const;
export type ReportCategory = keyof typeof REPORT_CATEGORIES;
const categoryIds = Object.keys(REPORT_CATEGORIES) as [ReportCategory, ...ReportCategory[]];

export const reportStatuses = ['new', 'in_progress', 'resolved', 'rejected'] as const;
export type ReportStatus = (typeof reportStatuses)[number];

export const REPORT_STATUS_LABELS: Record<ReportStatus, string> = {
  new: 'Đã tiếp nhận',
  in_progress: 'Đang xử lý',
  resolved: 'Đã xử lý xong',
  rejected: 'Không đủ cơ sở xử lý',
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TRACKING_CODE_LENGTH = 8;

/** A tracking code a person can read aloud and type: 8 Crockford base32 characters (no I, L, O, U). */
export function newTrackingCode(): string {
  let code = '';
  // 256 is a multiple of 32, so `byte & 31` is unbiased
  for (const byte of randomBytes(TRACKING_CODE_LENGTH)) code += CROCKFORD[byte & 31];
  return code;
}

/** A typed code as Crockford reads it: case, dashes and spaces ignored, O → 0, I/L → 1. */
export function normaliseTrackingCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export const trackingCodeSchema = z
  .string()
  .transform(normaliseTrackingCode)
  .pipe(z.string().regex(new RegExp(`^[${CROCKFORD}]{${TRACKING_CODE_LENGTH}}$`), `mã theo dõi gồm ${TRACKING_CODE_LENGTH} ký tự chữ và số`));

/** A Vietnamese phone number (mobile or landline, 0… or +84…), kept as 0 followed by the digits. */
export const vietnamesePhoneSchema = z
  .string()
  .transform((s) => s.replace(/[\s.()-]/g, ''))
  .pipe(z.string().regex(/^(?:\+?84|0)(?:[35789]\d{8}|2\d{9})$/, 'số điện thoại Việt Nam không hợp lệ (ví dụ 0912 345 678)'))
  .transform((s) => s.replace(/^\+?84/, '0'));

/** A form field left empty is the same as absent. */
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** The text fields of a citizen's report (JSON or form fields); the photo travels beside them. */
export const newReportSchema = z.object({
  category: z.enum(categoryIds, { message: 'hãy chọn một loại phản ánh trong danh sách' }),
  description: z.string().trim().min(10, 'hãy mô tả sự việc (ít nhất 10 ký tự)').max(4000, 'mô tả dài tối đa 4000 ký tự'),
  hamlet: hamletCodeSchema,
  lat: optional(z.coerce.number().min(-90).max(90)),
  lon: optional(z.coerce.number().min(-180).max(180)),
  phone: optional(vietnamesePhoneSchema),
});
export type NewReport = z.infer<typeof newReportSchema>;
