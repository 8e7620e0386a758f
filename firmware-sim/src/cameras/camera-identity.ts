import { createHash } from 'node:crypto';

/** What a simulated camera says about itself: stable ids, ONVIF scopes, network hostname. */

/** A UUID (version 5 layout) and serial number derived from hamlet and name, so restarts keep them. */
export function stableId(hamlet: string | undefined, name: string): { uuid: string; serial: string } {
  const h = createHash('sha1').update(`smart-commune-sim-camera\0${hamlet ?? ''}\0${name}`).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return { uuid, serial: `SC${h.slice(0, 10).toUpperCase()}` };
}

export function onvifScopes(name: string, hamlet: string | undefined): string[] {
  return [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/type/Network_Video_Transmitter',
    'onvif://www.onvif.org/Profile/Streaming',
    'onvif://www.onvif.org/hardware/SC-SIM-CAM',
    `onvif://www.onvif.org/name/${encodeURIComponent(name)}`,
    ...(hamlet ? [`onvif://www.onvif.org/location/${encodeURIComponent(hamlet)}`] : []),
  ];
}

/** The name without diacritics, as a DNS label (a-z, 0-9, '-'; at most 63 characters). */
export function hostnameOf(name: string): string {
  return name.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'camera';
}
