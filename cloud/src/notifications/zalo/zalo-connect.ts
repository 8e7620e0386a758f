import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { assertMayChange } from '../../communes/scope.js';
import { notFound } from '../../http/errors.js';
import type { ZaloFollowers } from './zalo-followers.js';
import type { OaScope, ZaloConnectionStatus, ZaloOaStore } from './zalo-oa-store.js';
import type { ZaloTokens } from './zalo-tokens.js';

const digits = (what: string) => z.string().trim().regex(/^\d{1,32}$/, `${what} is a string of digits`);
const secret = (what: string, max = 512) => z.string().trim().min(8, `${what} is too short`).max(max, `${what} is longer than ${max} characters`);

/** What an admin gives to connect the OA (the API's JSON and the console's form). */
export const zaloConnectSchema = z
  .object({
    appId: digits('appId'),
    appSecret: secret('appSecret'),
    oaId: digits('oaId').optional(),
    /** The webhook page's OA Secret Key, which signs the events. */
    webhookSecret: secret('webhookSecret').optional(),
    refreshToken: secret('refreshToken', 4096).optional(),
    code: secret('code', 4096).optional(),
    codeVerifier: z.string().trim().min(43).max(128).optional(),
  })
  .strict()
  .refine((b) => (b.refreshToken ? 1 : 0) + (b.code ? 1 : 0) === 1, { message: 'give exactly one of refreshToken or code', path: ['refreshToken'] });
export type ZaloConnectInput = z.infer<typeof zaloConnectSchema>;

export interface ZaloConnectionView extends ZaloConnectionStatus {
  followersByHamlet: Record<string, number>;
}

/**
 * Whose OA a request means (the API's ?commune= and the console page's): the named commune's, else
 * the caller's own commune's, else (a province-level person) the province's own. Another commune's
 * answers 404 exactly like a commune that does not exist.
 */
export async function oaScopeFor(person: { communeCode: string | null }, commune: string | undefined, communes: () => Promise<{ code: string }[]>): Promise<OaScope> {
  if (commune === undefined) return person.communeCode;
  const what = `the Zalo OA of commune ${commune}`;
  assertMayChange(person, commune, what);
  if (!(await communes()).some((c) => c.code === commune)) throw notFound(what);
  return commune;
}

export class ZaloRefusedError extends Error {
  override name = 'ZaloRefusedError';
}

/** Connecting and showing an OA (a commune's or the province's), the same for the API and the console page. Callers check who may (scope.ts). */
export class ZaloConnector {
  constructor(
    private readonly d: {
      store: ZaloOaStore;
      tokens: ZaloTokens;
      followers: ZaloFollowers;
      audit: AuditLog;
      /** The OA is usable again: messages that waited while it needed reconnecting go now. */
      onConnected?: () => void;
    },
  ) {}

  async view(scope: OaScope): Promise<ZaloConnectionView> {
    return { ...(await this.d.store.status(scope)), followersByHamlet: await this.d.followers.countsByHamlet(scope) };
  }

  /**
   * Exchanges the code or refresh token with Zalo at once (a refresh token is single-use: the one
   * pasted is spent and replaced) and stores the new pair sealed; audited either way, as the commune's.
   */
  async connect(scope: OaScope, input: ZaloConnectInput, actor: string, ip: string | null): Promise<ZaloConnectionView> {
    const grant = input.code ? { code: input.code, ...(input.codeVerifier ? { codeVerifier: input.codeVerifier } : {}) } : { refreshToken: input.refreshToken! };
    const target = `zalo-oa:${input.oaId ?? input.appId}`;
    try {
      const pair = await this.d.tokens.exchange(input.appId, input.appSecret, grant);
      await this.d.store.connect(scope, { appId: input.appId, oaId: input.oaId ?? null, appSecret: input.appSecret, webhookSecret: input.webhookSecret ?? null, pair });
    } catch (err) {
      await this.d.audit.record({ actor, action: 'zalo.connect_failed', target, details: { reason: (err as Error).message }, ip, communeCode: scope });
      throw new ZaloRefusedError((err as Error).message);
    }
    await this.d.audit.record({ actor, action: 'zalo.connect', target, details: { grant: input.code ? 'authorization_code' : 'refresh_token' }, ip, communeCode: scope });
    this.d.onConnected?.();
    return this.view(scope);
  }
}
