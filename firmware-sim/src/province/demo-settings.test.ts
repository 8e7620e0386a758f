import { describe, expect, it } from 'vitest';
import { demoSettings, POSTGRES_NEEDS_URL } from './demo-settings.js';
import { demoProvince, MAX_DEMO_COMMUNES } from './hau-giang.js';

describe("the demo's settings", () => {
  it('runs the single commune without SC_DEMO_COMMUNES, as scripts/demo always did', () => {
    expect(demoSettings({})).toEqual({ communes: null });
    expect(demoSettings({ SC_DEMO_COMMUNES: '', SC_DEMO_DATABASE: 'sqlite' })).toEqual({ communes: null });
  });

  it('takes 1 to 20 communes', () => {
    expect(MAX_DEMO_COMMUNES).toBe(20);
    expect(demoSettings({ SC_DEMO_COMMUNES: '3' })).toEqual({ communes: 3 });
    expect(demoSettings({ SC_DEMO_COMMUNES: ' 20 ' })).toEqual({ communes: 20 });
    expect(demoSettings({ SC_DEMO_COMMUNES: '1' })).toEqual({ communes: 1 });
  });

  it('refuses any other count, naming the variable and the range', () => {
    for (const value of ['0', '21', '-1', '2.5', 'ba', '3x']) {
      expect(() => demoSettings({ SC_DEMO_COMMUNES: value }), value).toThrow(new RegExp(`^SC_DEMO_COMMUNES=${value.replace('.', '\\.')}: must be (a whole number|from 1 to 20)`));
    }
  });

  it('takes PostgreSQL with the address scripts/demo sets, refuses it without one saying why, and any database it does not know', () => {
    expect(demoSettings({ SC_DEMO_COMMUNES: '3', SC_DEMO_DATABASE: 'postgres', SC_DATABASE_URL: 'postgres://smart_commune@127.0.0.1:5432/smart_commune' })).toEqual({ communes: 3 });
    expect(() => demoSettings({ SC_DEMO_COMMUNES: '3', SC_DEMO_DATABASE: 'postgres' })).toThrow(POSTGRES_NEEDS_URL);
    expect(POSTGRES_NEEDS_URL).toMatch(/^SC_DEMO_DATABASE=postgres: SC_DATABASE_URL is not set\. scripts\/demo starts a PostgreSQL/);
    expect(() => demoSettings({ SC_DEMO_DATABASE: 'mysql' })).toThrow('SC_DEMO_DATABASE=mysql: must be "sqlite" or "postgres"');
  });
});

describe('the demo province', () => {
  it('is Vị Tân first, then real communes of Hậu Giang with their codes, every hamlet code unique in the province', () => {
    const all = demoProvince(MAX_DEMO_COMMUNES);
    expect(all[0]!.code).toBe('vi-tan');
    expect(all.slice(1).every((c) => c.province === 'Tỉnh Hậu Giang' && /^\d{5}$/.test(c.adminCode ?? ''))).toBe(true);
    expect(new Set(all.map((c) => c.code)).size).toBe(all.length);
    expect(new Set(all.map((c) => c.adminCode).filter(Boolean)).size).toBe(all.length - 1);
    const hamlets = all.flatMap((c) => c.hamlets.map((h) => h.code));
    expect(new Set(hamlets).size).toBe(hamlets.length);
    expect(hamlets.every((code) => /^[a-z0-9][a-z0-9-]{0,31}$/.test(code))).toBe(true);
    expect(demoProvince(3).map((c) => c.name)).toEqual(['Xã Vị Tân', 'Xã Hỏa Lựu', 'Xã Hỏa Tiến']);
    expect(() => demoProvince(21)).toThrow('a demo province has 1 to 20 communes, not 21');
  });
});
