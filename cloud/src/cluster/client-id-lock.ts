import pg from 'pg';
import type { Logger } from '@smart-commune/shared/runtime';

/** First half of the two-part advisory lock key: distinct from the leader's and the migrations' one-part keys. */
const CLIENT_ID_LOCK_CLASS = 0x5c_c11d;

/**
 * Two processes under one MQTT client id would take the session from each other in turn (the
 * broker drops the older connection, which reconnects and drops the newer…), each losing what the
 * other acknowledged. So a process with SC_MQTT_CLIENT_ID on PostgreSQL holds a session-level
 * advisory lock on that id, on a connection of its own, for as long as it runs: a second process
 * given the same id refuses to start, naming it. The server frees the lock when the holder's
 * session ends, so a killed process's id is free for its restart at once.
 * Resolves to the function that frees it.
 */
export async function claimMqttClientId(databaseUrl: string, clientId: string, logger: Logger): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: `sc-cloud mqtt client id ${clientId}` });
  await client.connect();
  let ended = false;
  client.on('error', (err) => {
    // the lock went with the connection: nothing stops another process taking the id now, so say it loudly
    if (!ended) logger.error({ err: err.message, clientId }, 'lost the database connection holding SC_MQTT_CLIENT_ID: another process could now use the same id');
  });
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [CLIENT_ID_LOCK_CLASS, clientId]);
    if (!rows[0]?.locked) {
      throw new Error(
        `SC_MQTT_CLIENT_ID "${clientId}" is already used by another running sc-cloud process of this database: give every process its own id (e.g. its host or instance name)`,
      );
    }
  } catch (err) {
    ended = true;
    await client.end().catch(() => undefined);
    throw err;
  }
  return async () => {
    ended = true;
    await client.end().catch(() => undefined);
  };
}
