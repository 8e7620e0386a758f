/** SOAP 1.2 envelopes and faults as ONVIF devices write them. */

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
} as const;

export const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
export const PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';

const DECLARATIONS =
  `xmlns:env="${NS.soap}" xmlns:tds="${NS.tds}" xmlns:trt="${NS.trt}" xmlns:tt="${NS.tt}" xmlns:ter="${NS.ter}"`;

export function envelope(body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope ${DECLARATIONS}>` +
    (header ? `<env:Header>${header}</env:Header>` : '') +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

export interface SoapFault {
  /** HTTP status sent with the fault. */
  status: number;
  /** env:Sender (the client's fault) or env:Receiver (the device's). */
  code: 'env:Sender' | 'env:Receiver';
  /** ONVIF subcodes, outermost first, e.g. ['ter:NotAuthorized'] or ['ter:InvalidArgVal', 'ter:NoProfile']. */
  subcodes: string[];
  reason: string;
}

export function faultXml(fault: SoapFault): string {
  let subcode = '';
  for (const s of fault.subcodes.slice().reverse()) subcode = `<env:Subcode><env:Value>${s}</env:Value>${subcode}</env:Subcode>`;
  return envelope(
    `<env:Fault><env:Code><env:Value>${fault.code}</env:Value>${subcode}</env:Code>` +
      `<env:Reason><env:Text xml:lang="en">${fault.reason}</env:Text></env:Reason></env:Fault>`,
  );
}

export const FAULTS = {
  notAuthorized: (): SoapFault => ({ status: 400, code: 'env:Sender', subcodes: ['ter:NotAuthorized'], reason: 'Sender not Authorized' }),
  actionNotSupported: (what: string): SoapFault => ({
    status: 500,
    code: 'env:Receiver',
    subcodes: ['ter:ActionNotSupported'],
    reason: `Optional Action Not Implemented: ${what}`,
  }),
  noProfile: (): SoapFault => ({ status: 400, code: 'env:Sender', subcodes: ['ter:InvalidArgVal', 'ter:NoProfile'], reason: 'The requested profile token does not exist' }),
  invalidStreamSetup: (why: string): SoapFault => ({
    status: 400,
    code: 'env:Sender',
    subcodes: ['ter:InvalidArgVal', 'ter:InvalidStreamSetup'],
    reason: `Specification of StreamType or Transport part in StreamSetup is not supported: ${why}`,
  }),
  wellFormed: (why: string): SoapFault => ({ status: 400, code: 'env:Sender', subcodes: ['ter:WellFormed'], reason: `XML Well-formed violation: ${why}` }),
  invalidArg: (why: string): SoapFault => ({ status: 400, code: 'env:Sender', subcodes: ['ter:InvalidArgVal'], reason: why }),
  usernameMissing: (): SoapFault => ({ status: 400, code: 'env:Sender', subcodes: ['ter:InvalidArgVal', 'ter:UsernameMissing'], reason: 'Username not recognized' }),
};
