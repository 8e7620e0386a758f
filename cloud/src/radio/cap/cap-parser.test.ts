import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { foldVietnamese } from './cap-areas.js';
import { capContent, chooseInfo, kindOfEvent } from './cap-content.js';
import { CAP_NAMESPACE, parseCap, type CapAlert, type CapInfo } from './cap-parser.js';

const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');
const STORM = sample('storm-alert.xml');
const UPDATE = sample('flood-update.xml');
const CANCEL = sample('storm-cancel.xml');

function parsed(xml: string): CapAlert {
  const result = parseCap(xml);
  if (!result.ok) throw new Error(`expected a valid document: ${result.reason}`);
  return result.alert;
}

function problems(xml: string): string[] {
  const result = parseCap(xml);
  if (result.ok) throw new Error('expected the document to be refused');
  expect(result.reason).toBe(result.problems.join('; '));
  return result.problems;
}

/** A minimal valid alert with one element replaced or removed. */
function minimal(change: (xml: string) => string = (x) => x): string {
  return change(`<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${CAP_NAMESPACE}">
  <identifier>VT-2026-001</identifier>
  <sender>ubnd@vitan.haugiang.gov.vn</sender>
  <sent>2026-10-27T14:00:00+07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Lũ</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Nước lên nhanh</headline>
  </info>
</alert>`);
}

describe('parseCap: valid documents', () => {
  it('reads a Vietnamese storm warning with all its parts', () => {
    const alert = parsed(STORM);
    expect(alert).toMatchObject({
      identifier: 'KTTV-HG-2026-1027-001',
      sender: 'canhbao@kttv-haugiang.gov.vn',
      sent: Date.parse('2026-10-27T07:00:00Z'),
      status: 'Actual',
      msgType: 'Alert',
      scope: 'Public',
      references: [],
    });
    expect(alert.infos).toHaveLength(2);
    const info = alert.infos[0]!;
    expect(info).toMatchObject({
      language: 'vi-VN',
      categories: ['Met'],
      event: 'Bão số 5',
      urgency: 'Expected',
      severity: 'Severe',
      certainty: 'Likely',
      expires: Date.parse('2026-10-28T13:00:00Z'),
      headline: 'Cảnh báo bão số 5: gió mạnh cấp 8, giật cấp 10, mưa rất to',
    });
    expect(info.parameters.map((p) => p.valueName)).toEqual(['EASText']);
    expect(info).toMatchObject({ effective: Date.parse('2026-10-27T07:00:00Z'), onset: Date.parse('2026-10-27T19:00:00Z') });
    expect(info.areas).toEqual([
      { areaDesc: 'Ấp 2, Ấp 2A và Ấp 3, xã Vị Tân, thành phố Vị Thanh, tỉnh Hậu Giang', polygons: [], circles: [], geocodes: [{ valueName: 'MA_XA', value: '31474' }] },
    ]);
  });

  it('turns it into what the loudspeakers say: the EASText of the Vietnamese info, at emergency priority, risk level 3', () => {
    const alert = parsed(STORM);
    const info = chooseInfo(alert)!;
    expect(info.language).toBe('vi-VN');
    const content = capContent(info);
    expect(content).toEqual({
      title: 'Cảnh báo bão số 5: gió mạnh cấp 8, giật cấp 10, mưa rất to',
      text: info.parameters[0]!.value,
      severity: 'severe',
      kind: 'storm',
      priority: 'emergency',
      riskLevel: 3,
      expiresAt: Date.parse('2026-10-28T13:00:00Z'),
    });
    expect((content as { text: string }).text).toMatch(/^Thông báo khẩn của Ban Chỉ huy Phòng chống thiên tai xã Vị Tân/);
  });

  it('reads an Update with namespace prefixes and its references', () => {
    const alert = parsed(UPDATE);
    expect(alert.msgType).toBe('Update');
    expect(alert.references).toEqual([{ sender: 'canhbao@kttv-haugiang.gov.vn', identifier: 'KTTV-HG-2026-1027-001', sent: '2026-10-27T14:00:00+07:00' }]);
    const content = capContent(chooseInfo(alert)!);
    expect(content).toMatchObject({ severity: 'extreme', kind: 'storm', text: expect.stringMatching(/^Bão số 5 đã mạnh lên cấp 10/), priority: 'emergency', riskLevel: 4 });
  });

  it('chooses the Vietnamese info (vi or vi-VN, whatever the case), and none when there is none', () => {
    const bilingual = parsed(minimal((x) => x.replace('<info>', '<info><language>en-US</language>').replace('</info>', '</info><info><language>VI</language><category>Met</category><event>Lũ</event><urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty><headline>Nước lên</headline></info>')));
    expect(chooseInfo(bilingual)?.language).toBe('VI');
    expect(chooseInfo(parsed(minimal((x) => x.replace('<info>', '<info><language>es-US</language>'))))).toBeNull();
    expect(chooseInfo(parsed(minimal((x) => x.replace('<info>', '<info><language>vie</language>'))))).toBeNull();
  });

  it('reads polygons and circles as [lat, lon] and metres, and refuses shapes not in CAP form', () => {
    const area = '<area><areaDesc>Ấp 2</areaDesc><polygon>9.78,105.43 9.79,105.43 9.79,105.44 9.78,105.43</polygon><circle>9.785,105.435 0.5</circle></area>';
    const alert = parsed(minimal((x) => x.replace('</info>', `${area}</info>`)));
    expect(alert.infos[0]!.areas[0]).toMatchObject({
      polygons: [[[9.78, 105.43], [9.79, 105.43], [9.79, 105.44], [9.78, 105.43]]],
      circles: [{ centre: [9.785, 105.435], radiusM: 500 }],
    });
    const open = minimal((x) => x.replace('</info>', '<area><areaDesc>x</areaDesc><polygon>9.78,105.43 9.79,105.43 9.79,105.44 9.7,105.4</polygon></area></info>'));
    expect(problems(open)).toEqual(['alert/info[1]/area[1]/polygon[1]: a polygon must end on its first point']);
    const badCircle = minimal((x) => x.replace('</info>', '<area><areaDesc>x</areaDesc><circle>9.78;105.43 2</circle></area></info>'));
    expect(problems(badCircle)[0]).toContain('area[1]/circle[1]: "9.78;105.43 2" is not "lat,lon radius-in-km"');
  });

  it('reads a Cancel, which needs no info block, with several references', () => {
    const alert = parsed(CANCEL);
    expect(alert.msgType).toBe('Cancel');
    expect(alert.infos).toEqual([]);
    expect(alert.references.map((r) => r.identifier)).toEqual(['KTTV-HG-2026-1027-001', 'KTTV-HG-2026-1027-002']);
  });

  it('takes the description when there is no EASText, else the headline, and refuses an info with neither', () => {
    const noEas = parsed(minimal((x) => x.replace('<headline>Nước lên nhanh</headline>', '<headline>Nước lên nhanh</headline><description>Mực nước kênh Xà No lên 1,2 m.</description>')));
    expect(capContent(noEas.infos[0]!)).toMatchObject({ text: 'Mực nước kênh Xà No lên 1,2 m.', title: 'Nước lên nhanh', kind: 'flood' });
    expect(capContent(parsed(minimal()).infos[0]!)).toMatchObject({ text: 'Nước lên nhanh', expiresAt: null });
    const silent = parsed(minimal((x) => x.replace('<headline>Nước lên nhanh</headline>', '')));
    expect(capContent(silent.infos[0]!)).toEqual({ error: expect.stringContaining('EASText') });
  });

  it('tolerates Z and fractions of a second in date-times', () => {
    expect(parsed(minimal((x) => x.replace('2026-10-27T14:00:00+07:00', '2026-10-27T07:00:00.250Z'))).sent).toBe(Date.parse('2026-10-27T07:00:00.250Z'));
  });
});

describe('parseCap: invalid documents are refused with the reason', () => {
  it.each([
    ['a missing identifier', (x: string) => x.replace('<identifier>VT-2026-001</identifier>', ''), 'alert/identifier is missing'],
    ['an identifier with a space', (x: string) => x.replace('VT-2026-001', 'VT 2026 001'), 'alert/identifier "VT 2026 001" must not contain spaces'],
    ['a missing sender', (x: string) => x.replace(/<sender>.*<\/sender>/, ''), 'alert/sender is missing'],
    ['a sent date without a time zone', (x: string) => x.replace('2026-10-27T14:00:00+07:00', '2026-10-27T14:00:00'), 'alert/sent "2026-10-27T14:00:00" is not a CAP date-time'],
    ['a sent date in another format', (x: string) => x.replace('2026-10-27T14:00:00+07:00', '27/10/2026 14:00'), 'alert/sent "27/10/2026 14:00" is not a CAP date-time'],
    ['a sent date that does not exist', (x: string) => x.replace('2026-10-27T14:00:00+07:00', '2026-02-30T14:00:00+07:00'), 'alert/sent "2026-02-30T14:00:00+07:00" is not a CAP date-time'],
    ['a bad expires', (x: string) => x.replace('<headline>', '<expires>ngày mai</expires><headline>'), 'alert/info[1]/expires "ngày mai" is not a CAP date-time'],
    ['an unknown status', (x: string) => x.replace('<status>Actual</status>', '<status>Real</status>'), 'alert/status "Real" is not one of Actual, Exercise, System, Test, Draft'],
    ['a missing scope', (x: string) => x.replace('<scope>Public</scope>', ''), 'alert/scope is missing'],
    ['a Cancel without references', (x: string) => x.replace('<msgType>Alert</msgType>', '<msgType>Cancel</msgType>'), 'alert/references is missing'],
    ['malformed references', (x: string) => x.replace('<scope>Public</scope>', '<scope>Public</scope><references>VT-2026-000</references>').replace('>Alert<', '>Update<'), 'alert/references "VT-2026-000" is not a sender,identifier,sent triple'],
    ['an Alert without info', (x: string) => x.replace(/<info>[\s\S]*<\/info>/, ''), 'alert/info is missing: an Alert needs at least one info block'],
    ['an info without category', (x: string) => x.replace('<category>Met</category>', ''), 'alert/info[1]/category is missing'],
    ['an unknown category', (x: string) => x.replace('<category>Met</category>', '<category>Weather</category>'), 'alert/info[1]/category "Weather" is not one of'],
    ['an info without urgency', (x: string) => x.replace('<urgency>Immediate</urgency>', ''), 'alert/info[1]/urgency is missing'],
    ['an unknown severity', (x: string) => x.replace('<severity>Severe</severity>', '<severity>Nghiêm trọng</severity>'), 'alert/info[1]/severity "Nghiêm trọng" is not one of'],
    ['an info without event', (x: string) => x.replace('<event>Lũ</event>', ''), 'alert/info[1]/event is missing'],
    ['an info without certainty', (x: string) => x.replace('<certainty>Observed</certainty>', ''), 'alert/info[1]/certainty is missing'],
  ])('refuses %s', (_what, change, reason) => {
    expect(problems(minimal(change)).join('\n')).toContain(reason);
  });

  it('refuses the wrong namespace, naming the one found', () => {
    const cap11 = minimal((x) => x.replace(CAP_NAMESPACE, 'urn:oasis:names:tc:emergency:cap:1.1'));
    expect(problems(cap11)).toEqual([`the root element must be <alert> in the CAP 1.2 namespace ${CAP_NAMESPACE} (found <alert> in namespace urn:oasis:names:tc:emergency:cap:1.1)`]);
    expect(problems(minimal((x) => x.replace(` xmlns="${CAP_NAMESPACE}"`, '')))[0]).toContain('found <alert> in namespace (none)');
    expect(problems(`<feed xmlns="${CAP_NAMESPACE}"><entry/></feed>`)[0]).toContain('found <feed>');
  });

  it('refuses what is not well-formed XML, and DOCTYPE declarations', () => {
    expect(problems('<alert><identifier>x</alert>')[0]).toMatch(/^not well-formed XML: .* \(line \d+\)$/);
    expect(problems('Bão số 5 sắp đổ bộ')[0]).toMatch(/^not well-formed XML/);
    const entity = minimal((x) => x.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaa">]>'));
    expect(problems(entity)).toEqual(['DOCTYPE declarations are not allowed in a CAP message']);
  });

  it('refuses a document nested deeper than a CAP message can be, however deep (the parser threw)', () => {
    for (const levels of [40, 30_000]) {
      const deep = minimal((x) => x.replace('<scope>Public</scope>', `<scope>Public</scope>${'<n>'.repeat(levels)}${'</n>'.repeat(levels)}`));
      expect(problems(deep)).toEqual(['elements are nested deeper than 32 levels; a CAP message has about five']);
    }
    expect(parsed(STORM).identifier).toBeTruthy();
  });

  it('names every problem of a document at once', () => {
    const many = problems(minimal((x) => x.replace('<identifier>VT-2026-001</identifier>', '').replace('<status>Actual</status>', '<status>Thật</status>').replace('<urgency>Immediate</urgency>', '')));
    expect(many).toEqual(['alert/identifier is missing', 'alert/status "Thật" is not one of Actual, Exercise, System, Test, Draft', 'alert/info[1]/urgency is missing']);
  });
});

describe('foldVietnamese', () => {
  it('folds Vietnamese to plain lower-case words', () => {
    expect(foldVietnamese('Đường Ấp 2A — Xã VỊ TÂN')).toBe('duong ap 2a xa vi tan');
  });
});

describe('kindOfEvent', () => {
  const kind = (event: string, categories: CapInfo['categories'] = ['Met']) => kindOfEvent({ event, categories });

  it('tells storms and floods by their words, not by similar words without diacritics', () => {
    expect(kind('Bão số 5')).toBe('storm');
    expect(kind('Áp thấp nhiệt đới')).toBe('storm');
    expect(kind('Typhoon')).toBe('storm');
    expect(kind('Lũ trên sông Hậu')).toBe('flood');
    expect(kind('Ngập úng do triều cường')).toBe('flood');
    expect(kind('Thông báo cảnh báo nắng nóng')).toBe('other');
    expect(kind('Cháy rừng', ['Fire'])).toBe('fire');
    expect(kind('Dịch sốt xuất huyết', ['Health'])).toBe('epidemic');
  });
});
