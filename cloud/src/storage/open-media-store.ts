import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import { s3Settings, type CloudConfig } from '../config.js';
import type { CloudMetrics } from '../metrics.js';
import { instrumented } from './instrumented.js';
import { LocalMediaStore } from './local-media-store.js';
import type { MediaStore } from './media-store.js';
import { S3MediaStore } from './s3-media-store.js';

export type MediaStoreConfig = Pick<CloudConfig, 'SC_DATA_DIR' | 'SC_S3_ENDPOINT' | 'SC_S3_BUCKET' | 'SC_S3_REGION' | 'SC_S3_ACCESS_KEY_ID' | 'SC_S3_SECRET_ACCESS_KEY'>;

/**
 * The media store the configuration names: the S3 bucket when the SC_S3_* settings are given
 * (uploads hashed in <SC_DATA_DIR>/media-spool first), else local disk under SC_DATA_DIR, where the
 * domains have always kept their files. Counted and logged the same either way.
 */
export function openMediaStore(config: MediaStoreConfig, observe: { logger: Logger; metrics: Pick<CloudMetrics, 'mediaBytesPut' | 'mediaOperations'> }): MediaStore {
  const s3 = s3Settings(config);
  const logger = observe.logger.child({ module: 'media-store' });
  const store = s3 ? new S3MediaStore(s3, { spoolDir: join(config.SC_DATA_DIR, 'media-spool') }) : new LocalMediaStore(config.SC_DATA_DIR);
  // the secret stays out of the log; the endpoint and bucket say where the media go
  logger.info(s3 ? { backend: 's3', endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region } : { backend: 'local', dir: config.SC_DATA_DIR }, 'media store opened');
  return instrumented(store, { logger, metrics: observe.metrics });
}
