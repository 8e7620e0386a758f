import { describe, expect, it } from 'vitest';
import { capPriority, capRiskLevel } from './cap-priority.js';
import type { CapInfo } from './cap-parser.js';

type Level = Pick<CapInfo, 'urgency' | 'severity' | 'certainty'>;
const p = (urgency: Level['urgency'], severity: Level['severity'], certainty: Level['certainty'], risk: 1 | 2 | 3 | 4 | 5 | null = null) => capPriority({ urgency, severity, certainty }, risk);

describe('capPriority: the three levels of Thông tư 39/2020/TT-BTTTT', () => {
  it('emergency: extreme or severe, immediate or expected, not unlikely', () => {
    expect(p('Immediate', 'Extreme', 'Observed')).toBe('emergency');
    expect(p('Expected', 'Severe', 'Likely')).toBe('emergency');
    expect(p('Immediate', 'Severe', 'Possible')).toBe('emergency');
    expect(p('Immediate', 'Severe', 'Unknown')).toBe('emergency');
  });

  it('emergency too for a natural disaster of risk level 3 or more', () => {
    expect(p('Future', 'Moderate', 'Likely', 3)).toBe('emergency');
    expect(p('Future', 'Moderate', 'Likely', 2)).toBe('priority');
  });

  it('priority: grave but not soon, moderate, or soon but minor', () => {
    expect(p('Future', 'Extreme', 'Likely')).toBe('priority');
    expect(p('Unknown', 'Severe', 'Observed')).toBe('priority');
    expect(p('Future', 'Moderate', 'Possible')).toBe('priority');
    expect(p('Immediate', 'Minor', 'Observed')).toBe('priority');
  });

  it('normal: minor or unknown and not soon, or anything unlikely', () => {
    expect(p('Future', 'Minor', 'Likely')).toBe('normal');
    expect(p('Past', 'Unknown', 'Observed')).toBe('normal');
    expect(p('Immediate', 'Extreme', 'Unlikely')).toBe('normal');
  });
});

describe('capRiskLevel: QĐ 18/2021/QĐ-TTg', () => {
  const info = (over: Partial<CapInfo> = {}) => ({ categories: ['Met'] as CapInfo['categories'], severity: 'Severe' as const, parameters: [], headline: null, description: null, ...over });

  it('follows severity for a natural disaster: Minor 1, Moderate 2, Severe 3, Extreme 4; Unknown none', () => {
    expect(capRiskLevel(info({ severity: 'Minor' }), 'flood')).toBe(1);
    expect(capRiskLevel(info({ severity: 'Moderate' }), 'storm')).toBe(2);
    expect(capRiskLevel(info({ severity: 'Severe' }), 'other')).toBe(3);
    expect(capRiskLevel(info({ severity: 'Extreme', categories: ['Geo'] }), 'earthquake')).toBe(4);
    expect(capRiskLevel(info({ severity: 'Unknown' }), 'storm')).toBeNull();
  });

  it('takes the level the sender states, in a parameter or in its words, 5 included', () => {
    expect(capRiskLevel(info({ parameters: [{ valueName: 'CapDoRuiRo', value: '5' }] }), 'storm')).toBe(5);
    expect(capRiskLevel(info({ parameters: [{ valueName: 'riskLevel', value: '2' }], severity: 'Extreme' }), 'storm')).toBe(2);
    expect(capRiskLevel(info({ description: 'Bão số 5 (cấp độ rủi ro thiên tai cấp 4) đổ bộ' }), 'storm')).toBe(4);
    expect(capRiskLevel(info({ headline: 'Lũ trên sông Hậu, rủi ro thiên tai cấp độ 3' }), 'flood')).toBe(3);
  });

  it('has none for what is not a natural disaster', () => {
    expect(capRiskLevel(info({ categories: ['Fire'] }), 'fire')).toBeNull();
    expect(capRiskLevel(info({ categories: ['Health'] }), 'epidemic')).toBeNull();
    expect(capRiskLevel(info({ categories: ['Safety'] }), 'other')).toBeNull();
  });
});
