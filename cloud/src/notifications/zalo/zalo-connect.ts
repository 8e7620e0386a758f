import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { ZaloFollowers } from './zalo-followers.js';
import type { ZaloConnectionStatus, ZaloOaStore } from './zalo-oa-store.js';
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

export class ZaloRefusedError extends Error {
  override name = 'ZaloRefusedError';
}

/** Connecting and showing the OA, the same for the API and the console page. */
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

  view(): ZaloConnectionView {
    return { ...this.d.store.status(), followersByHamlet: this.d.followers.countsByHamlet() };
  }

  /**
   * Exchanges the code or refresh token with Zalo at once (a refresh token is single-use: the one
   * pasted is spent and replaced) and stores the new pair sealed; audited either way.
   */
  async connect(input: ZaloConnectInput, actor: string, ip: string | null): Promise<ZaloConnectionView> {
    const grant = input.code ? { code: input.code, ...(input.codeVerifier ? { codeVerifier: input.codeVerifier } : {}) } : { refreshToken: input.refreshToken! };
    const target = `zalo-oa:${input.oaId ?? input.appId}`;
    try {
      const pair = await this.d.tokens.exchange(input.appId, input.appSecret, grant);
      this.d.store.connect({ appId: input.appId, oaId: input.oaId ?? null, appSecret: input.appSecret, webhookSecret: input.webhookSecret ?? null, pair });
    } catch (err) {
      this.d.audit.record({ actor, action: 'zalo.connect_failed', target, details: { reason: (err as Error).message }, ip });
      throw new ZaloRefusedError((err as Error).message);
    }
    this.d.audit.record({ actor, action: 'zalo.connect', target, details: { grant: input.code ? 'authorization_code' : 'refresh_token' }, ip });
    this.d.onConnected?.();
    return this.view();
  }
}
