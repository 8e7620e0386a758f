import { beforeEach, describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { openCloudDatabase } from '../../db/database.js';
import type { Db } from '../../db/database.js';
import { seedCommune } from '../../hamlets/hamlets.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';
import { ApiError } from '../../http/errors.js';
import { assertMayChangeItem, communeForWrite } from './radio-scope.js';

const refusal = (fn: () => unknown): { status: number; message: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

describe('whose a new radio item is', () => {
  let db: Db;
  const province = { communeCode: null };
  const ofViTan = { communeCode: 'vi-tan' };
  const addCommune = (code: string) => db.prepare('INSERT INTO communes (code, name, district, province, created_at) VALUES (?, ?, ?, ?, ?)').run(code, code, 'Huyện', 'Tỉnh', Date.now());

  beforeEach(async () => {
    db = openCloudDatabase(':memory:');
    await seedCommune(sqliteQueryDatabase(db), VI_TAN);
  });

  it("gives a commune's person's items to their commune, and refuses them another commune or the province", () => {
    addCommune('vi-thanh');
    expect(communeForWrite(db, ofViTan, undefined)).toBe('vi-tan');
    expect(communeForWrite(db, ofViTan, 'vi-tan')).toBe('vi-tan');
    expect(refusal(() => communeForWrite(db, ofViTan, 'vi-thanh'))).toEqual({ status: 403, message: 'you belong to commune vi-tan: you cannot write for commune vi-thanh' });
    expect(refusal(() => communeForWrite(db, ofViTan, null)).message).toContain('cannot write for the province');
  });

  it("keeps a single-commune install's behaviour: its admin writes for the commune unless they ask for the province's own", () => {
    expect(communeForWrite(db, province, undefined)).toBe('vi-tan');
    expect(communeForWrite(db, province, null)).toBeNull();
    // a retired commune does not count: with one commune left, it is that one's
    addCommune('vi-cu');
    db.prepare("UPDATE communes SET retired_at = 1 WHERE code = 'vi-cu'").run();
    expect(communeForWrite(db, province, undefined)).toBe('vi-tan');
    expect(refusal(() => communeForWrite(db, province, 'vi-cu'))).toMatchObject({ status: 400, message: 'unknown commune vi-cu' });
  });

  it("makes a province-level person's items the province's own in a province, or a named commune's", () => {
    addCommune('vi-thanh');
    expect(communeForWrite(db, province, undefined)).toBeNull();
    expect(communeForWrite(db, province, 'vi-thanh')).toBe('vi-thanh');
    expect(refusal(() => communeForWrite(db, province, 'nowhere')).status).toBe(400);
  });

  it("answers 404 for another commune's item and 403 naming the province's own", () => {
    expect(() => assertMayChangeItem(ofViTan, 'vi-tan', 'schedule sch_1')).not.toThrow();
    expect(refusal(() => assertMayChangeItem(ofViTan, 'vi-thanh', 'schedule sch_1'))).toEqual({ status: 404, message: 'schedule sch_1 not found' });
    expect(refusal(() => assertMayChangeItem(ofViTan, null, 'schedule sch_1'))).toEqual({ status: 403, message: "schedule sch_1 is the province's: only the province's people may change it" });
    expect(() => assertMayChangeItem(province, null, 'schedule sch_1')).not.toThrow();
    expect(() => assertMayChangeItem(province, 'vi-thanh', 'schedule sch_1')).not.toThrow();
  });
});
