import { createPrivateKey, createPublicKey, KeyObject, sign, verify, X509Certificate, type BinaryLike, type KeyLike } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { SignedXml, type ErrorFirstCallback, type SignatureAlgorithm } from 'xml-crypto';
import { sameSigner, type SignerKey } from './signer-key.js';

export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SHA512 = 'http://www.w3.org/2001/04/xmlenc#sha512';

/**
 * ECDSA over SHA-256 (RFC 4051): xml-crypto has none. The signature value is r‖s (IEEE P1363),
 * not DER. Signing is here for tests and tools that sign as a source would.
 */
export class EcdsaSha256 implements SignatureAlgorithm {
  getSignature(signedInfo: BinaryLike, privateKey: KeyLike): string;
  getSignature(signedInfo: BinaryLike, privateKey: KeyLike, callback?: ErrorFirstCallback<string>): void;
  getSignature(signedInfo: BinaryLike, privateKey: KeyLike, callback?: ErrorFirstCallback<string>): string | void {
    const value = sign('sha256', Buffer.from(signedInfo as string), { key: privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey), dsaEncoding: 'ieee-p1363' }).toString('base64');
    if (!callback) return value;
    callback(null, value);
  }

  verifySignature(material: string, key: KeyLike, signatureValue: string): boolean;
  verifySignature(material: string, key: KeyLike, signatureValue: string, callback?: ErrorFirstCallback<boolean>): void;
  verifySignature(material: string, key: KeyLike, signatureValue: string, callback?: ErrorFirstCallback<boolean>): boolean | void {
    const valid = verify('sha256', Buffer.from(material), { key: key instanceof KeyObject ? key : createPublicKey(key), dsaEncoding: 'ieee-p1363' }, Buffer.from(signatureValue, 'base64'));
    if (!callback) return valid;
    callback(null, valid);
  }

  getAlgorithmName(): string {
    return ECDSA_SHA256;
  }
}

/** What a CAP message's XML signature says about it, checked against the sender's stored key. */
export type SignatureCheck =
  | { status: 'unsigned' }
  /** `signedXml`: the alert exactly as signed (canonical, without its signature): the only text to read. */
  | { status: 'valid'; signedXml: string }
  | { status: 'invalid'; problem: string };

type Node = Record<string, unknown>;
/** A certificate made minutes ago on a clock slightly ahead of ours is not yet "not valid". */
const CLOCK_SKEW_MS = 5 * 60_000;
const invalid = (problem: string): SignatureCheck => ({ status: 'invalid', problem });
const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);
const prefixOf = (qname: string) => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : null);
const xmlnsAttr = (prefix: string | null) => (prefix ? `@_xmlns:${prefix}` : '@_xmlns');
/** Start tags named Signature, any prefix: counted in the raw text, so one hidden in a comment counts too. */
const SIGNATURE_START = /<(?:([A-Za-z_][\w.-]*):)?Signature[\s/>]/g;

/**
 * Verifies the enveloped XML-DSig signature of a CAP 1.2 message (§3.3.2.1: over the whole alert)
 * with the sender's stored key; a certificate in KeyInfo is never trusted on its own, only compared.
 * Accepted: one signature, a child of <alert>, with one reference that is the whole alert (URI "" or
 * the alert's Id), exclusive canonicalisation, RSA-SHA256 or ECDSA-SHA256, SHA-256/512 digests;
 * SHA-1 and anything else is refused. The caller must read the alert from `signedXml` only: what a
 * signature covers is the referenced element, and a document can carry more than that.
 * Expects a well-formed document (parseCap has accepted it).
 */
export function verifyCapSignature(xml: string, signer: SignerKey, now: number): SignatureCheck {
  const starts = [...xml.matchAll(SIGNATURE_START)];
  if (starts.length === 0) return { status: 'unsigned' };
  if (starts.length > 1) return invalid('more than one Signature element');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: false, processEntities: false }).parse(xml) as Node;
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?'))!;
  const root = doc[rootName] as Node;
  const qname = Object.keys(root).find((k) => localName(k) === 'Signature');
  if (!qname) return invalid('the Signature element must be a child of <alert> (an enveloped signature over the whole alert)');
  const declared = (root[qname] as Node | undefined)?.[xmlnsAttr(prefixOf(qname))];
  const inherited = root[xmlnsAttr(prefixOf(qname))];
  if ((declared ?? inherited) !== XMLDSIG_NAMESPACE) return invalid(`the Signature element is not in the XML-DSig namespace ${XMLDSIG_NAMESPACE}`);

  const signature = signatureText(xml, starts[0]!.index, qname, declared === undefined ? inherited as string : null);
  if (!signature) return invalid('the Signature element is empty');
  const reference = soleReference(signature);
  if (typeof reference === 'string') return invalid(reference);
  // the attributes xml-crypto takes as ids, any prefix (wsu:Id)
  const rootIds = Object.entries(root).filter(([k, v]) => k.startsWith('@_') && ['Id', 'ID', 'id'].includes(localName(k.slice(2))) && typeof v === 'string').map(([, v]) => v);
  if (reference.uri !== '' && !(reference.uri.startsWith('#') && rootIds.includes(reference.uri.slice(1)))) {
    return invalid(`the signature's reference ${JSON.stringify(reference.uri)} is not the whole alert (URI "" or the alert's Id)`);
  }
  if (!reference.transforms.includes(EXC_C14N)) return invalid('the reference is not canonicalised with exclusive XML canonicalisation');

  if (signer.certificate) {
    const { validFrom, validTo } = signer.certificate;
    if (now < Date.parse(validFrom) - CLOCK_SKEW_MS || now > Date.parse(validTo)) return invalid(`the sender's certificate is valid from ${validFrom} to ${validTo} only`);
  }
  let presented: string | null = null;
  const sig = restricted(new SignedXml({
    publicCert: signer.publicKey,
    // the key is the stored one, always; a certificate in KeyInfo is only noted to compare
    getCertFromKeyInfo: (keyInfo) => {
      presented = SignedXml.getCertFromKeyInfo(keyInfo);
      return null;
    },
  }));
  try {
    sig.loadSignature(signature);
    if (sig.canonicalizationAlgorithm !== EXC_C14N) return invalid(`SignedInfo is canonicalised with ${sig.canonicalizationAlgorithm}; exclusive canonicalisation (${EXC_C14N}) is required`);
    if (!sig.checkSignature(xml)) return invalid('the alert was changed after it was signed (its digest does not match)');
  } catch (err) {
    return invalid(`the signature does not verify with the sender's key: ${(err as Error).message.slice(0, 200)}`);
  }
  if (presented !== null) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(presented);
    } catch {
      return invalid('the certificate in KeyInfo cannot be read');
    }
    if (!sameSigner(signer, certificate)) return invalid(`the certificate in KeyInfo (${certificate.subject}) is not the sender's stored one`);
  }
  const signed = sig.getSignedReferences();
  if (signed.length !== 1) return invalid('the signature must cover exactly one reference, the alert');
  return { status: 'valid', signedXml: signed[0]! };
}

/** Only the algorithms accepted: xml-crypto refuses any other it meets (SHA-1, inclusive c14n, HMAC). */
function restricted(sig: SignedXml): SignedXml {
  const keep = <T>(all: Record<string, T>, names: string[]) => Object.fromEntries(names.map((n) => [n, all[n]!])) as typeof all;
  sig.CanonicalizationAlgorithms = keep(sig.CanonicalizationAlgorithms, [EXC_C14N, ENVELOPED]);
  sig.HashAlgorithms = keep(sig.HashAlgorithms, [SHA256, SHA512]);
  sig.SignatureAlgorithms = { [RSA_SHA256]: sig.SignatureAlgorithms[RSA_SHA256]!, [ECDSA_SHA256]: EcdsaSha256 };
  return sig;
}

/** The Signature element's text, with its namespace declared on it when the alert declared it. */
function signatureText(xml: string, start: number, qname: string, inheritedNs: string | null): string | null {
  // not `</SignatureValue>`: the end tag is the name then only spaces
  const close = new RegExp(`</${qname.replace(/\./g, '\\.')}\\s*>`, 'g');
  close.lastIndex = start;
  const end = close.exec(xml);
  if (!end) return null;
  const text = xml.slice(start, end.index + end[0].length);
  if (inheritedNs === null) return text;
  const prefix = prefixOf(qname);
  return `<${qname} ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${inheritedNs}"${text.slice(qname.length + 1)}`;
}

/** The one Reference of SignedInfo, or what is wrong with the references. */
function soleReference(signature: string): { uri: string; transforms: string[] } | string {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, isArray: (n) => n === 'Reference' || n === 'Transform' }).parse(signature) as Node;
  const signedInfo = (parsed.Signature as Node | undefined)?.SignedInfo as Node | undefined;
  const references = (signedInfo?.Reference ?? []) as Node[];
  if (references.length !== 1) return `the signature has ${references.length} references; exactly one, the whole alert, is accepted`;
  const ref = references[0]!;
  if (typeof ref['@_URI'] !== 'string') return 'the signature\'s reference has no URI';
  const transforms = (((ref.Transforms as Node | undefined)?.Transform ?? []) as Node[]).map((t) => String(t['@_Algorithm']));
  return { uri: ref['@_URI'], transforms };
}
