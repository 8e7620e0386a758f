/**
 * The cluster's S3-compatible object storage: s3rver (the lightest S3 server on npm, also used by the
 * media store's contract tests) on 127.0.0.1 and a port the system picks, in the harness's directory,
 * with one bucket. It runs inside the harness's process: the issue kills clouds and the broker, not S3.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface ClusterS3 {
  env: { SC_S3_ENDPOINT: string; SC_S3_BUCKET: string; SC_S3_REGION: string; SC_S3_ACCESS_KEY_ID: string; SC_S3_SECRET_ACCESS_KEY: string };
  stop(): Promise<void>;
}

export async function startClusterS3(dir: string): Promise<ClusterS3> {
  const directory = join(dir, 's3');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  const env = {
    SC_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    SC_S3_BUCKET: 'smart-commune-media',
    SC_S3_REGION: 'us-east-1',
    // s3rver's fixed credentials
    SC_S3_ACCESS_KEY_ID: 'S3RVER',
    SC_S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
  const client = new S3Client({
    endpoint: env.SC_S3_ENDPOINT,
    region: env.SC_S3_REGION,
    credentials: { accessKeyId: env.SC_S3_ACCESS_KEY_ID, secretAccessKey: env.SC_S3_SECRET_ACCESS_KEY },
    forcePathStyle: true,
  });
  await client.send(new CreateBucketCommand({ Bucket: env.SC_S3_BUCKET })).finally(() => client.destroy());
  return { env, stop: () => server.close() };
}
