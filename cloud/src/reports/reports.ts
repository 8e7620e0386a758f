import type { AuditLog } from '../audit/audit-log.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Guard } from '../http/access.js';
import type { MediaStore } from '../storage/media-store.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import { ReportIntake } from './report-intake.js';
import { ReportPhotos } from './report-photo.js';
import { ReportRateLimit, type ReportRateOptions } from './report-rate-limit.js';
import { ReportStore } from './report-store.js';
import { createReportsRoutes } from './reports-routes.js';

/** A citizen's photo may be this large before it is cleaned (phones take 3-8 MB pictures). */
export const MAX_REPORT_PHOTO_BYTES = 10 * 1024 * 1024;

export interface ReportsDeps {
  query: QueryDatabase;
  audit: AuditLog;
  /** Where reports arriving and changing status are published. */
  bus: DomainEventBus;
  /** The cloud's one media store: the photos are kept there. */
  media: MediaStore;
  rate?: Partial<ReportRateOptions>;
}

export type Reports = ReturnType<typeof createReports>;

/** Citizens' reports (commune plan criterion 18.2): filed without login, followed by tracking code, handled by police. */
export function createReports({ query, audit, bus, media, rate }: ReportsDeps) {
  const store = new ReportStore(query);
  const photos = new ReportPhotos(media);
  // shared by every cloud process through the database
  const limit = new ReportRateLimit(query, rate);
  const intake = new ReportIntake({ store, photos, audit, bus, limit, maxPhotoBytes: MAX_REPORT_PHOTO_BYTES });
  return {
    store,
    photos,
    intake,
    limit,
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createReportsRoutes({ guard, audit, bus, store, intake, photos, maxPhotoBytes: MAX_REPORT_PHOTO_BYTES }) }];
    },
  };
}
