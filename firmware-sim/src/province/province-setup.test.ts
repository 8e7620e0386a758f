import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';
import { CloudClient, type EdgeSummary } from '../cloud-client.js';
import { provisionBoxes } from '../hamlet-box.js';
import { demoProvince } from './hau-giang.js';
import { setUpProvince, type DemoLogin, type ProvinceLogins } from './province-setup.js';

/**
 * The province demo's setup (SC_DEMO_COMMUNES=3) against a real cloud: communes, hamlets and people
 * made through the API as a province admin would, every hamlet's box claimed with `sc-edge
 * provision` (the built edge CLI). No box daemon runs: what is checked is what the province holds
 * and who sees what of it.
 */
describe('the province demo: three communes in one deployment', () => {
  const communes = demoProvince(3);
  let test: TestCloud;
  let work: string;
  let admin: CloudClient;
  let logins: ProvinceLogins;
  let boxes: EdgeSummary[];
  const passwordsFile = () => join(work, 'province-logins.json');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sc-province-demo-'));
    test = await startTestCloud();
    admin = new CloudClient(test.cloud.httpUrl);
    await admin.login('admin', TEST_ADMIN_PASSWORD);
    logins = await setUpProvince(admin, communes, passwordsFile());
    const provisioned = await provisionBoxes(admin, communes, join(work, 'edges'), test.cloud.httpUrl);
    expect(provisioned.outcomes.every((o) => o === 'provisioned')).toBe(true);
    boxes = (await admin.request<{ edges: EdgeSummary[] }>('GET', '/api/v1/edges')).edges;
  }, 120_000);

  afterAll(async () => {
    await test?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A client signed in as one of the demo's people, with the password the demo printed. */
  const as = async (login: DemoLogin) => {
    const client = new CloudClient(test.cloud.httpUrl);
    await client.login(login.username, login.password);
    return client;
  };
  const status = (client: CloudClient, path: string) =>
    client.request('GET', path).then(
      () => 200,
      (err: Error) => Number(/HTTP (\d+)/.exec(err.message)?.[1]),
    );

  it('holds Vị Tân and two communes of Hậu Giang with their official codes and province-unique hamlets', async () => {
    const listed = (await admin.request<{ communes: { code: string; name: string; adminCode: string | null; provinceAdminCode: string | null; hamlets: number }[] }>('GET', '/api/v1/communes')).communes;
    expect(listed.map((c) => [c.code, c.name, c.hamlets])).toEqual([
      ['vi-tan', 'Xã Vị Tân', 9],
      ['hoa-luu', 'Xã Hỏa Lựu', 6],
      ['hoa-tien', 'Xã Hỏa Tiến', 4],
    ]);
    expect(listed.find((c) => c.code === 'hoa-luu')).toMatchObject({ adminCode: '31336', provinceAdminCode: '93' });
    expect(listed.find((c) => c.code === 'hoa-tien')).toMatchObject({ adminCode: '31339', provinceAdminCode: '93' });
    for (const commune of communes) {
      const { hamlets } = await admin.request<{ hamlets: { code: string; name: string }[] }>('GET', `/api/v1/communes/${commune.code}/hamlets`);
      expect(hamlets.map((h) => [h.code, h.name])).toEqual(commune.hamlets.map((h) => [h.code, h.name]));
    }
    const codes = communes.flatMap((c) => c.hamlets.map((h) => h.code));
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('has a claimed box in every hamlet, each in the commune of its hamlet', () => {
    expect(boxes).toHaveLength(19);
    expect(boxes.every((b) => b.status === 'active')).toBe(true);
    for (const commune of communes) {
      const own = boxes.filter((b) => b.communeCode === commune.code);
      expect(own.map((b) => b.hamletCode).sort()).toEqual(commune.hamlets.map((h) => h.code).sort());
    }
    // each box's data dir holds the identity it claimed, and its credentials readable by their owner only
    const dataDir = join(work, 'edges', 'hoa-luu-thanh-loi');
    expect(JSON.parse(readFileSync(join(dataDir, 'edge.json'), 'utf8'))).toMatchObject({ edgeId: boxes.find((b) => b.hamletCode === 'hoa-luu-thanh-loi')!.id, hamletCode: 'hoa-luu-thanh-loi' });
    expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('gives the province an operator and each commune an operator and a police officer, in their scope', async () => {
    const { users } = await admin.request<{ users: { username: string; role: string; communeCode: string | null; mustChangePassword: boolean }[] }>('GET', '/api/v1/users');
    const people = [logins.province, ...logins.communes.flatMap((c) => [c.operator, c.police])];
    expect(people).toHaveLength(7);
    for (const person of people) {
      expect(users.find((u) => u.username === person.username)).toMatchObject({ role: person.role, communeCode: person.communeCode, mustChangePassword: false });
    }
    expect(logins.province).toMatchObject({ username: 'tinh.truyenthanh', role: 'operator', communeCode: null });
    expect(logins.communes.map((c) => [c.code, c.operator.username, c.operator.role, c.operator.communeCode, c.police.username, c.police.role, c.police.communeCode])).toEqual([
      ['vi-tan', 'vi-tan.truyenthanh', 'operator', 'vi-tan', 'vi-tan.congan', 'police', 'vi-tan'],
      ['hoa-luu', 'hoa-luu.truyenthanh', 'operator', 'hoa-luu', 'hoa-luu.congan', 'police', 'hoa-luu'],
      ['hoa-tien', 'hoa-tien.truyenthanh', 'operator', 'hoa-tien', 'hoa-tien.congan', 'police', 'hoa-tien'],
    ]);
    // the passwords the demo printed are kept for its next start, readable by their owner only
    expect(statSync(passwordsFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(passwordsFile(), 'utf8'))['hoa-luu.congan']).toBe(logins.communes[1]!.police.password);
  });

  it("lets a commune's people see their commune's boxes only: another commune's box is a 404", async () => {
    const viTanBox = boxes.find((b) => b.communeCode === 'vi-tan')!;
    for (const entry of logins.communes) {
      for (const person of [entry.operator, entry.police]) {
        const client = await as(person);
        const seen = (await client.request<{ edges: EdgeSummary[] }>('GET', '/api/v1/edges')).edges;
        expect(seen.map((b) => b.id).sort(), person.username).toEqual(boxes.filter((b) => b.communeCode === entry.code).map((b) => b.id).sort());
        for (const other of boxes.filter((b) => b.communeCode !== entry.code && b.hamletCode.endsWith('1'))) {
          expect(await status(client, `/api/v1/edges/${other.id}`), `${person.username} → ${other.hamletCode}`).toBe(404);
        }
        expect(await status(client, `/api/v1/edges/${seen[0]!.id}`)).toBe(200);
      }
    }
    // the province operator sees every commune's boxes
    const province = await as(logins.province);
    expect((await province.request<{ edges: EdgeSummary[] }>('GET', '/api/v1/edges')).edges).toHaveLength(19);
    expect(await status(province, `/api/v1/edges/${viTanBox.id}`)).toBe(200);
    // and no one but a province admin reshapes the province
    expect(await status(await as(logins.communes[1]!.operator), '/api/v1/communes')).toBe(403);
  });

  it('changes nothing when the demo starts again: same communes, same people, same passwords', async () => {
    const again = await setUpProvince(admin, communes, passwordsFile());
    expect(again).toEqual(logins);
    expect((await admin.request<{ communes: unknown[] }>('GET', '/api/v1/communes')).communes).toHaveLength(3);
    const provisioned = await provisionBoxes(admin, communes, join(work, 'edges'), test.cloud.httpUrl);
    expect(provisioned.outcomes.every((o) => o === 'reused')).toBe(true);
    expect((await admin.request<{ edges: EdgeSummary[] }>('GET', '/api/v1/edges')).edges).toHaveLength(19);
  });

  it('gives a person it made earlier a new password when its passwords file is gone, and prints that one', async () => {
    rmSync(passwordsFile());
    const again = await setUpProvince(admin, communes, passwordsFile());
    expect(again.communes[2]!.police.password).not.toBe(logins.communes[2]!.police.password);
    await expect(as(again.communes[2]!.police)).resolves.toBeInstanceOf(CloudClient);
    await expect(as(logins.communes[2]!.police)).rejects.toThrow(/HTTP 401/);
  });
});
