import { describe, expect, it } from 'vitest';
import { child, descendant, escapeXml, parseXml, resolveQName, textOf, XmlError } from './xml.js';

describe('the camera\'s XML reader', () => {
  it('resolves namespaces by declaration, not by prefix', () => {
    const doc = parseXml(
      `<?xml version="1.0"?><!-- a probe --><a:Envelope xmlns:a="urn:env" xmlns="urn:default"><a:Body><Probe x:attr="1" xmlns:x="urn:x"><Types xmlns:dn="urn:dn">dn:NVT</Types></Probe></a:Body></a:Envelope>`,
    );
    expect([doc.ns, doc.local]).toEqual(['urn:env', 'Envelope']);
    const probe = descendant(doc, 'Probe')!;
    expect(probe.ns).toBe('urn:default');
    expect(probe.attrs.attr).toBe('1');
    expect(child(doc, 'Body', 'urn:other')).toBeUndefined();
    const types = child(probe, 'Types')!;
    expect(resolveQName(types, types.text)).toEqual({ ns: 'urn:dn', local: 'NVT' });
  });

  it('decodes entities and CDATA, and escapes what it writes', () => {
    const doc = parseXml(`<p a='x &gt; y'>&lt;b&gt; &amp; &#233;&#x1F4F7;<![CDATA[<raw>]]></p>`);
    expect(doc.text).toBe('<b> & é📷<raw>');
    expect(doc.attrs.a).toBe('x > y');
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    expect(textOf(parseXml('<a><b> spaced </b></a>'), 'b')).toBe('spaced');
  });

  it('refuses what is not well-formed, undeclared prefixes and DTDs', () => {
    for (const bad of ['<a><b></a>', '<a>', 'text', '<a/><b/>', '<x:a/>', '<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>', '<a>&unknown;</a>', '<a b="1></a>']) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
  });
});
