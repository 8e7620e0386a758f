import { describe, expect, it } from 'vitest';
import { cloudCredential } from './cloud-credential.js';

const service = { username: 'sc-cloud', password: 'service-password-0123456789' };

describe("the cloud's credential on an external broker", () => {
  it("is SC_MQTT_URL's user and password, the same for every process", () => {
    const credential = cloudCredential('mqtt://sc-cloud-prov:p%40ss%2Fword-0123456789@10.0.0.20:1883', service);
    expect(credential.username).toBe('sc-cloud-prov');
    expect(credential.matches('p@ss/word-0123456789')).toBe(true);
    expect(credential.matches(service.password)).toBe(false);
    expect(credential.matches('')).toBe(false);
  });

  it('is the service credential when SC_MQTT_URL carries none, or is unset', () => {
    for (const url of [undefined, 'mqtt://10.0.0.20:1883', 'mqtt://only-user@10.0.0.20:1883']) {
      const credential = cloudCredential(url, service);
      expect(credential.username).toBe('sc-cloud');
      expect(credential.matches(service.password)).toBe(true);
      expect(credential.matches('wrong')).toBe(false);
    }
  });
});
