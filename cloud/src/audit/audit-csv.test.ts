import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { AUDIT_CSV_HEADER } from './audit-csv.js';

/** Splits one CSV line into its fields, honouring quotes (no field in these tests spans lines). */
function fields(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') (current += '"'), i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) out.push(current), (current = '');
    else current += ch;
  }
  return [...out, current];
}

const rows = (csv: string): string[][] => csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n').map(fields);

describe('audit log as CSV', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  it('answers the filtered log newest first, for Excel (BOM, CRLF), with details as JSON and formulas defused', async () => {
    await test.cloud.audit.record({ actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_1', details: { note: 'bản ghi, "một"' }, ip: '10.0.0.5' });
    await test.cloud.audit.record({ actor: 'police-1', action: 'incident.export', target: 'incident:inc_1' });
    await test.cloud.audit.record({ actor: 'public', action: 'auth.login_failed', target: '=cmd()', details: { reason: 'unknown_user' } });

    const res = await test.cloud.app.request('/api/v1/audit.csv?actor=police-1', { headers: { authorization: `Bearer ${test.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="audit.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.toString('utf8');
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, ...body] = rows(csv);
    expect(header).toEqual(AUDIT_CSV_HEADER);
    expect(body.map((r) => [r[2], r[3], r[4], r[5], r[6]])).toEqual([
      ['police-1', 'incident.export', 'incident:inc_1', '', ''],
      ['police-1', 'incident.clip_view', 'incident:inc_1', '{"note":"bản ghi, \\"một\\""}', '10.0.0.5'],
    ]);
    expect(body[0]![1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$/);

    const refused = rows((await test.request('GET', '/api/v1/audit.csv?action=auth.login_failed')).body as string);
    expect(refused.slice(1).map((r) => r[4])).toEqual(["'=cmd()"]);
  });

  it('takes the same filters as the JSON log and refuses what the JSON log refuses', async () => {
    const all = (await test.request('GET', '/api/v1/audit?action=auth.login')).body;
    const csv = rows((await test.request('GET', '/api/v1/audit.csv?action=auth.login')).body as string);
    expect(csv.slice(1).map((r) => Number(r[0]))).toEqual(all.items.map((e: { id: number }) => e.id));
    expect(csv.length - 1).toBeGreaterThan(0);

    expect((await test.request('GET', '/api/v1/audit.csv?from=2026-11-22&to=2026-11-20')).status).toBe(400);
    const badDate = await test.request('GET', '/api/v1/audit.csv?from=yesterday');
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.details[0].path).toBe('from');
  });

  it('is for admins only', async () => {
    await test.request('POST', '/api/v1/users', { username: 'operator-1', role: 'operator', password: 'password-operator', mustChangePassword: false });
    const operator = await test.login('operator-1', 'password-operator');
    expect((await test.request('GET', '/api/v1/audit.csv', undefined, operator)).status).toBe(403);
    expect((await test.request('GET', '/api/v1/audit.csv', undefined, null)).status).toBe(401);
  });
});
