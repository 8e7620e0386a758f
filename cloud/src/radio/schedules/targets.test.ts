import { describe, expect, it } from 'vitest';
import { hamletsOf, scheduleTargetsSchema, targetsSchema, targetsShare, zonesForEdge, type TargetPlaces } from './targets.js';

/** Two communes: Vị Tân (ap-1, ap-2; boxes e1, e2) and Vị Thanh (vt-1; box e3). */
const hamlets = [
  { code: 'ap-1', communeCode: 'vi-tan' },
  { code: 'ap-2', communeCode: 'vi-tan' },
  { code: 'vt-1', communeCode: 'vi-thanh' },
];
const edges = { e1: 'ap-1', e2: 'ap-2', e3: 'vt-1' } as Record<string, string>;
const places: TargetPlaces = { hamletOfEdge: (id) => edges[id], communeOfHamlet: (code) => hamlets.find((h) => h.code === code)?.communeCode };
const box = (id: string) => ({ id, hamletCode: edges[id]!, communeCode: places.communeOfHamlet(edges[id]!)! });

describe('targets across communes (issue 10)', () => {
  it("keeps a commune's item on its boxes, and takes a province programme to every box or the chosen communes'", () => {
    expect(['e1', 'e2', 'e3'].map((id) => zonesForEdge({ all: true }, box(id), 'vi-tan'))).toEqual([null, null, undefined]);
    expect(['e1', 'e2', 'e3'].map((id) => zonesForEdge({ all: true }, box(id), null))).toEqual([null, null, null]);
    expect(['e1', 'e2', 'e3'].map((id) => zonesForEdge({ communes: ['vi-thanh'] }, box(id), null))).toEqual([undefined, undefined, null]);
    // a commune's item naming another commune's box still never reaches it
    expect(zonesForEdge({ edges: ['e3'] }, box('e3'), 'vi-tan')).toBeUndefined();
    expect(zonesForEdge({ hamlets: ['ap-2', 'vt-1'] }, box('e3'), null)).toBeNull();
  });

  it('names the hamlets reached: a commune\'s "all" is its own, the province\'s every commune\'s', () => {
    expect(hamletsOf({ all: true }, hamlets, places.hamletOfEdge, 'vi-tan')).toEqual(['ap-1', 'ap-2']);
    expect(hamletsOf({ all: true }, hamlets, places.hamletOfEdge, null)).toEqual(['ap-1', 'ap-2', 'vt-1']);
    expect(hamletsOf({ communes: ['vi-thanh'] }, hamlets, places.hamletOfEdge, null)).toEqual(['vt-1']);
    expect(hamletsOf({ edges: ['e2', 'e3'] }, hamlets, places.hamletOfEdge, null)).toEqual(['ap-2', 'vt-1']);
  });

  it('compares chosen communes with communes, hamlets and boxes for conflicts', () => {
    expect(targetsShare({ communes: ['vi-tan'] }, { communes: ['vi-thanh', 'vi-tan'] }, places)).toBe(true);
    expect(targetsShare({ communes: ['vi-tan'] }, { communes: ['vi-thanh'] }, places)).toBe(false);
    expect(targetsShare({ communes: ['vi-thanh'] }, { hamlets: ['vt-1'] }, places)).toBe(true);
    expect(targetsShare({ hamlets: ['ap-1'] }, { communes: ['vi-thanh'] }, places)).toBe(false);
    expect(targetsShare({ edges: ['e3'] }, { communes: ['vi-thanh'] }, places)).toBe(true);
    expect(targetsShare({ zones: [{ edgeId: 'e1', zone: 'cho' }] }, { communes: ['vi-thanh'] }, places)).toBe(false);
  });

  it('takes communes in a schedule only, never in other targets (relays, alerts)', () => {
    expect(scheduleTargetsSchema.safeParse({ communes: ['vi-tan'] }).success).toBe(true);
    expect(scheduleTargetsSchema.safeParse({ communes: ['vi-tan'], all: true }).success).toBe(false);
    expect(targetsSchema.safeParse({ communes: ['vi-tan'] }).success).toBe(false);
  });
});
