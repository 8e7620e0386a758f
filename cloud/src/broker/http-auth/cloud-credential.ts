import { hashSecret, secretMatches } from '../../auth/secrets.js';

/** The cloud's own MQTT credential on the broker that asks: the one identity that is a superuser. */
export interface CloudCredential {
  username: string;
  matches(password: string): boolean;
}

/**
 * With an external broker every cloud process connects with SC_MQTT_URL's user and password, so
 * that is the credential the broker asks about: it comes from configuration, the same for every
 * process. Without user and password there (or without SC_MQTT_URL) it is the service credential
 * (SC_SERVICE_PASSWORD or the data dir's service-password.txt). Only hashes are kept.
 */
export function cloudCredential(mqttUrl: string | undefined, service: { username: string; password: string }): CloudCredential {
  const url = mqttUrl ? new URL(mqttUrl) : null;
  const own = url?.username && url.password ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : service;
  const hash = hashSecret(own.password);
  return { username: own.username, matches: (password) => secretMatches(password, hash) };
}
