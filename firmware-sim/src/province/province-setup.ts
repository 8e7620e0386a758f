import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CloudClient } from '../cloud-client.js';
import { HAU_GIANG_ADMIN_CODE, type DemoCommune } from './hau-giang.js';

/** One person the demo signs in as, with the password it gave them. */
export interface DemoLogin {
  username: string;
  password: string;
  displayName: string;
  role: 'operator' | 'police';
  /** null: a province-level person. */
  communeCode: string | null;
}

export interface ProvinceLogins {
  /** The province's radio operator: writes programmes for every commune. */
  province: DemoLogin;
  /** Each commune's radio operator and police officer, in the province's order. */
  communes: { code: string; name: string; operator: DemoLogin; police: DemoLogin }[];
}

interface UserRow {
  id: string;
  username: string;
}

interface HamletRow {
  code: string;
}

/** The people the province demo has: one province operator, and an operator and a police officer per commune. */
function peopleOf(communes: readonly DemoCommune[]): Omit<DemoLogin, 'password'>[] {
  const commune = (c: DemoCommune) => c.name.replace(/^Xã /, 'xã ');
  return [
    { username: 'tinh.truyenthanh', displayName: 'Cán bộ truyền thanh tỉnh', role: 'operator', communeCode: null },
    ...communes.flatMap((c) => [
      { username: `${c.code}.truyenthanh`, displayName: `Cán bộ truyền thanh ${commune(c)}`, role: 'operator' as const, communeCode: c.code },
      { username: `${c.code}.congan`, displayName: `Công an ${commune(c)}`, role: 'police' as const, communeCode: c.code },
    ]),
  ];
}

/** The passwords the demo gave its people (kept beside its data, 0600): a later start prints the same ones. */
function readPasswords(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file} is not the demo's passwords file (a JSON object); remove it to give the demo's people new passwords`);
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function writePasswords(file: string, passwords: Record<string, string>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Adds the commune (with its hamlets) when the province lacks it, else the hamlets it lacks: a later start changes nothing. */
async function ensureCommune(cloud: CloudClient, commune: DemoCommune, existing: ReadonlySet<string>): Promise<void> {
  const hamlets = commune.hamlets.map(({ code, name }) => ({ code, name }));
  if (!existing.has(commune.code)) {
    await cloud.request('POST', '/api/v1/communes', {
      code: commune.code,
      name: commune.name,
      district: commune.district,
      province: commune.province,
      adminCode: commune.adminCode,
      provinceAdminCode: commune.adminCode ? HAU_GIANG_ADMIN_CODE : null,
      hamlets,
    });
    return;
  }
  const have = new Set((await cloud.request<{ hamlets: HamletRow[] }>('GET', `/api/v1/communes/${commune.code}/hamlets`)).hamlets.map((h) => h.code));
  for (const hamlet of hamlets.filter((h) => !have.has(h.code))) await cloud.request('POST', `/api/v1/communes/${commune.code}/hamlets`, hamlet);
}

/**
 * The province as its admin would shape it through the API: its communes and their hamlets
 * (communes API), and the people who work in it (users API): a province operator, and each
 * commune's operator and police officer, placed in their commune. `cloud` is signed in as a
 * province-level admin. People the demo made earlier keep the password it gave them (read from
 * `passwordsFile`); one it has no password for gets a new one.
 */
export async function setUpProvince(cloud: CloudClient, communes: readonly DemoCommune[], passwordsFile: string): Promise<ProvinceLogins> {
  const existing = new Set((await cloud.request<{ communes: { code: string }[] }>('GET', '/api/v1/communes')).communes.map((c) => c.code));
  for (const commune of communes) await ensureCommune(cloud, commune, existing);

  const passwords = readPasswords(passwordsFile);
  const users = new Map((await cloud.request<{ users: UserRow[] }>('GET', '/api/v1/users')).users.map((u) => [u.username, u]));
  const logins = new Map<string, DemoLogin>();
  for (const person of peopleOf(communes)) {
    const known = passwords[person.username];
    const user = users.get(person.username);
    const password = known ?? randomBytes(9).toString('base64url');
    if (!user) {
      await cloud.request('POST', '/api/v1/users', { ...person, password, mustChangePassword: false });
    } else if (!known) {
      // made by an earlier demo whose passwords file is gone: the demo can only print a password it set
      await cloud.request('PATCH', `/api/v1/users/${user.id}`, { password, mustChangePassword: false });
    }
    passwords[person.username] = password;
    logins.set(person.username, { ...person, password });
  }
  writePasswords(passwordsFile, passwords);
  const login = (username: string) => logins.get(username)!;
  return {
    province: login('tinh.truyenthanh'),
    communes: communes.map((c) => ({ code: c.code, name: c.name, operator: login(`${c.code}.truyenthanh`), police: login(`${c.code}.congan`) })),
  };
}
