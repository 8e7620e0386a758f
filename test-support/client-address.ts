import type { TestCloud } from './cloud.js';

/** A citizen's report as the public form posts it (multipart), for tests that send it over their own sockets. */
export async function citizenReportBody(): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.set('category', 'trom-cap');
  form.set('description', 'Mất xe máy trước cổng chợ lúc 7 giờ sáng');
  form.set('hamlet', 'ap-1');
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}

/** The addresses of the audit log's successful logins, oldest first. */
export async function loginAddresses(test: TestCloud): Promise<string[]> {
  const items = (await test.api('GET', '/api/v1/audit?action=auth.login&limit=100')).body.items as Array<{ ip: string | null }>;
  return items.map((item) => item.ip ?? 'null').reverse();
}
