import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ApiError, badRequest } from '../http/errors.js';
import { validationDetails } from '../http/errors.js';
import { cleanPhoto, type ReportPhotos } from './report-photo.js';
import type { ReportRateLimit } from './report-rate-limit.js';
import { newReportSchema } from './report-schemas.js';
import type { ReportRecord, ReportStore } from './report-store.js';

export interface ReportIntakeDeps {
  store: ReportStore;
  photos: ReportPhotos;
  limit: ReportRateLimit;
  audit: AuditLog;
  bus: DomainEventBus;
  maxPhotoBytes: number;
}

/** The fields of a report as they arrived (form or JSON), the photo beside them. */
export interface ReportSubmission {
  fields: Record<string, unknown>;
  photo?: File | null;
  /** The client's address for the rate limit (null when unknown). */
  client: string | null;
  /**
   * The commune whose page the report was filed on (issue 10): its hamlet must be one of that
   * commune's. Absent (the API, a single-commune install's old form): the hamlet's commune.
   */
  commune?: { code: string; name: string };
}

/** Takes a citizen's report: rate limit per client (accepted reports only), validation, a cleaned photo, then the stored report, published. */
export class ReportIntake {
  constructor(private readonly deps: ReportIntakeDeps) {}

  async submit({ fields, photo, client, commune }: ReportSubmission): Promise<ReportRecord> {
    const slot = await this.deps.limit.reserve(client);
    if (!slot.allowed) {
      const minutes = Math.ceil(slot.retryAfterS / 60);
      throw new ApiError(429, 'too_many_reports', `Bạn đã gửi quá nhiều phản ánh từ máy này. Vui lòng thử lại sau khoảng ${minutes} phút, hoặc gọi trực tiếp Công an xã nếu việc gấp.`, { retryAfterS: slot.retryAfterS });
    }
    try {
      return await this.accept(fields, photo, commune);
    } catch (err) {
      await slot.refused(); // only accepted reports count against the address's allowance of reports
      throw err;
    }
  }

  private async accept(fields: Record<string, unknown>, photo: File | null | undefined, commune: ReportSubmission['commune']): Promise<ReportRecord> {
    const parsed = newReportSchema.safeParse(fields);
    if (!parsed.success) throw badRequest(`phản ánh chưa hợp lệ: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, validationDetails(parsed.error));
    const report = parsed.data;
    const place = await this.deps.store.communeOfHamlet(report.hamlet);
    if (!place) throw badRequest(`không có thôn "${report.hamlet}"`, [{ path: 'hamlet', message: 'unknown hamlet' }]);
    if (commune && place.communeCode !== commune.code) throw badRequest(`thôn "${report.hamlet}" không thuộc ${commune.name}; hãy chọn một thôn trong danh sách`, [{ path: 'hamlet', message: `not a hamlet of commune ${commune.code}` }]);
    // a retired commune's people no longer handle reports: one filed there would wait for nobody
    if (place.retired) throw badRequest(`thôn "${report.hamlet}" thuộc một xã đã ngừng hoạt động trên hệ thống; hãy liên hệ Công an xã nơi bạn ở`, [{ path: 'hamlet', message: 'the commune is retired' }]);
    if ((report.lat === undefined) !== (report.lon === undefined)) throw badRequest('vị trí cần cả vĩ độ và kinh độ', [{ path: report.lat === undefined ? 'lat' : 'lon', message: 'required with the other' }]);
    const stored = photo && photo.size > 0 ? await this.deps.photos.store(await cleanPhoto(new Uint8Array(await photo.arrayBuffer()), this.deps.maxPhotoBytes)) : null;
    const record = await this.deps.store.insert(report, stored);
    await this.deps.audit.record({ actor: 'public', action: 'report.create', target: `report:${record.code}`, details: { category: record.category, hamlet: record.hamletCode, commune: record.communeCode, photo: stored !== null } });
    this.deps.bus.publish('report.received', { reportId: record.id, code: record.code, category: record.category, hamletCode: record.hamletCode, communeCode: record.communeCode });
    return record;
  }
}
