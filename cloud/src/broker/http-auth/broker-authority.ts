import { mayConnectAs, mayPublish, mayRetain, maySubscribe, type ClientIdentity } from '../access.js';
import type { CloudCredential } from './cloud-credential.js';

/** What a broker asks about a connected client's topic: publish to it, subscribe to a filter, or receive a message on it. */
export type TopicAction = 'publish' | 'subscribe' | 'read';

export interface Verdict {
  allow: boolean;
  /** Why, in words for the log (never a secret). */
  reason: string;
}

export interface ConnectVerdict extends Verdict {
  /** The cloud's own service credential: the broker may let it skip topic checks. */
  superuser: boolean;
}

export interface TopicQuestion {
  username: string;
  clientId: string;
  topic: string;
  action: TopicAction;
  /** Whether a publish is retained, when the broker says (EMQX does; go-auth cannot). */
  retain?: boolean;
}

export interface BrokerAuthorityDeps {
  /** The cloud's own credential on the broker (cloud-credential.ts): the service identity, a superuser. */
  cloud: CloudCredential;
  /** A box's own secret, as the embedded broker checks it (DeviceCredentials.verify): its edge id, or null. */
  verifyBox(username: string, password: string): Promise<string | null>;
  /** True for a claimed box that is not revoked: a box revoked while connected loses its topics at once. */
  isActiveEdge(edgeId: string): Promise<boolean>;
}

/** `$share/{group}/{filter}`: a shared subscription is judged by the filter it shares. */
function sharedFilter(filter: string): string {
  const match = /^\$share\/[^/#+]+\/(.+)$/.exec(filter);
  return match ? match[1]! : filter;
}

/**
 * The embedded broker's rules (access.ts, the boxes' credentials) answered for an external broker
 * that asks over HTTP, so a box may do exactly the same on EMQX or mosquitto-go-auth as on Aedes.
 * The broker asks about topics with the username only (the password was checked at connection),
 * so the username is believed only for the service and for boxes still active.
 */
export function createBrokerAuthority(deps: BrokerAuthorityDeps) {
  const connected = async (username: string): Promise<ClientIdentity | null> => {
    if (username === deps.cloud.username) return { kind: 'service' };
    return username && (await deps.isActiveEdge(username)) ? { kind: 'edge', edgeId: username } : null;
  };

  return {
    async authenticate(username: string, password: string, clientId: string): Promise<ConnectVerdict> {
      if (!username || !password) return { allow: false, superuser: false, reason: 'no username or password (anonymous clients are refused)' };
      const identity: ClientIdentity | null =
        username === deps.cloud.username ? (deps.cloud.matches(password) ? { kind: 'service' } : null) : await deps.verifyBox(username, password).then((edgeId) => (edgeId ? { kind: 'edge', edgeId } : null));
      if (!identity) return { allow: false, superuser: false, reason: 'bad username or password' };
      if (!mayConnectAs(identity, clientId)) return { allow: false, superuser: false, reason: 'client id must equal the edge id' };
      return { allow: true, superuser: identity.kind === 'service', reason: identity.kind === 'service' ? 'the cloud' : 'an active box' };
    },

    /** Only the cloud's service credential is a superuser; anything else (a box, an unknown name) is not. */
    superuser(username: string): boolean {
      return username === deps.cloud.username;
    },

    async authorize(question: TopicQuestion): Promise<Verdict> {
      const identity = await connected(question.username);
      if (!identity) return { allow: false, reason: 'not the cloud nor an active box' };
      if (!mayConnectAs(identity, question.clientId)) return { allow: false, reason: 'client id must equal the edge id' };
      const { topic } = question;
      switch (question.action) {
        case 'subscribe':
          return maySubscribe(identity, sharedFilter(topic)) ? { allow: true, reason: 'within its topics' } : { allow: false, reason: 'outside the client\'s topics' };
        case 'read':
          return maySubscribe(identity, topic) ? { allow: true, reason: 'within its topics' } : { allow: false, reason: 'outside the client\'s topics' };
        case 'publish':
          if (!mayPublish(identity, topic)) return { allow: false, reason: 'outside the client\'s topics' };
          if (question.retain && !mayRetain(identity, topic)) return { allow: false, reason: 'retained where the contract does not retain' };
          return { allow: true, reason: 'within its topics' };
      }
    },
  };
}

export type BrokerAuthority = ReturnType<typeof createBrokerAuthority>;
