/**
 * The cloud's HTTP authentication and authorisation endpoint for an external MQTT broker that asks
 * over HTTP (docs/mqtt-api.md, "Plugging EMQX / mosquitto-go-auth in"). The broker's configuration
 * names these paths; the cloud serves them.
 */
export const BROKER_AUTH_PATHS = {
  /** EMQX 5 HTTP authenticator: JSON {username, password, clientid} → {"result","is_superuser"}. */
  emqxAuthenticate: '/api/v1/broker/emqx/authenticate',
  /** EMQX 5 HTTP authorizer: JSON {username, clientid, topic, action, retain} → {"result"}. */
  emqxAuthorize: '/api/v1/broker/emqx/authorize',
  /** mosquitto-go-auth HTTP backend, http_getuser_uri: {username, password, clientid}. */
  goAuthUser: '/api/v1/broker/go-auth/user',
  /** mosquitto-go-auth HTTP backend, http_superuser_uri: {username}. */
  goAuthSuperuser: '/api/v1/broker/go-auth/superuser',
  /** mosquitto-go-auth HTTP backend, http_aclcheck_uri: {username, clientid, topic, acc}. */
  goAuthAcl: '/api/v1/broker/go-auth/acl',
} as const;

/** mosquitto's access values as go-auth sends them in `acc` (mosquitto_plugin.h MOSQ_ACL_*). */
export const GO_AUTH_ACC = { read: 1, write: 2, readwrite: 3, subscribe: 4 } as const;
