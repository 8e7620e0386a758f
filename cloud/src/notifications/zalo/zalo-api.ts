import type { Logger } from '@smart-commune/shared/runtime';
import type { SendOutcome } from '../channel.js';
import { zaloRequest, type HttpResult } from './zalo-http.js';
import type { RatePacer } from './zalo-pacer.js';
import { scopeKey, type OaScope } from './zalo-oa-store.js';
import type { ZaloTokens } from './zalo-tokens.js';
import { apiAnswerSchema, articleCreateBody, broadcastBody, csMessageBody, PATHS, ZALO_ERRORS, type ApiAnswer } from './zalo-wire.js';

export interface ZaloApiOptions {
  /** https://openapi.zalo.me, or the stand-in's. */
  apiUrl: string;
  tokens: ZaloTokens;
  /** A pacer for one OA: Zalo's limits are per app and OA, so one commune's rate limit never holds another's sends. */
  newPacer: () => RatePacer;
  logger: Logger;
  timeoutMs?: number;
  /** How long messages wait while the OA is not connected or needs reconnecting (default 60 s). */
  disconnectedRetryMs?: number;
  /** First pause after a rate-limit answer; doubles while they continue, up to a minute (default 1 s). */
  rateLimitPauseMs?: number;
  /** Counts each call by endpoint and result (sc_zalo_calls_total). */
  onCall?: (endpoint: string, result: string) => void;
}

/** Errors about the recipient: retrying cannot help, the reason is shown to admins. */
const RECIPIENT_ERRORS: Record<number, string> = {
  [ZALO_ERRORS.notInteracted7d]: 'người theo dõi chưa tương tác với OA trong 7 ngày qua (Zalo -230: user has not interacted with the OA in the past 7 days)',
  [ZALO_ERRORS.notInteracted]: 'người theo dõi chưa tương tác với OA (Zalo -232)',
  [ZALO_ERRORS.notFollower]: 'người dùng không còn quan tâm OA (Zalo -213: user has not followed the OA)',
  [ZALO_ERRORS.userInactive45d]: 'tài khoản Zalo bị khóa hoặc không hoạt động quá 45 ngày (Zalo -227)',
  [ZALO_ERRORS.blockedInvitation]: 'người dùng đã chặn tin của OA (Zalo -217)',
  [ZALO_ERRORS.userRestricted]: 'người dùng hạn chế nhận loại tin này (Zalo -244)',
  [ZALO_ERRORS.userQuotaExceeded]: 'đã quá số tin được gửi tới người này (Zalo -218)',
};

/** Errors that pass with time: Zalo's quota, the night hours of promotional messages. */
const LATER_ERRORS: Record<number, { reason: string; retryAfterMs: number }> = {
  [ZALO_ERRORS.outOfQuota]: { reason: 'OA hết hạn mức gửi tin (Zalo -211: out of quota)', retryAfterMs: 3600_000 },
  [ZALO_ERRORS.nightTime]: { reason: 'Zalo không gửi loại tin này từ 22:00 đến 6:00 (Zalo -234)', retryAfterMs: 3600_000 },
  [ZALO_ERRORS.sendFailed]: { reason: 'Zalo báo gửi thất bại (Zalo -200)', retryAfterMs: 30_000 },
};

const TOKEN_ERRORS = new Set<number>([ZALO_ERRORS.accessTokenInvalid, ZALO_ERRORS.accessTokenExpired]);

/** One OA's pacing: its pacer and how many rate-limit answers in a row it had. */
interface OaPace {
  pacer: RatePacer;
  streak: number;
}

/**
 * Calls the Open API with an OA's access token (the commune's own or the province's) and turns each answer into the outbox's outcome:
 * delivered; given up with a visible reason (the recipient cannot get it); or retried, after the
 * time Zalo or the error implies. An invalid token (-216) is refreshed and the call made once more.
 */
export class ZaloApi {
  private readonly paces = new Map<string, OaPace>();
  private readonly timeoutMs: number;
  private readonly disconnectedRetryMs: number;
  private readonly rateLimitPauseMs: number;

  constructor(private readonly o: ZaloApiOptions) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.disconnectedRetryMs = o.disconnectedRetryMs ?? 60_000;
    this.rateLimitPauseMs = o.rateLimitPauseMs ?? 1000;
  }

  /** A consultation message (tin Tư vấn) to one follower. */
  async sendText(scope: OaScope, userId: string, text: string, signal?: AbortSignal): Promise<SendOutcome> {
    const res = await this.call(scope, PATHS.messageCs, csMessageBody(userId, text), signal);
    if ('outcome' in res) return res.outcome;
    return { ok: true, ...(res.answer.data?.message_id ? { providerId: res.answer.data.message_id } : {}) };
  }

  /** Creates an article and answers its id (two calls: create answers a token, verify the id). */
  async createArticle(
    scope: OaScope,
    article: Parameters<typeof articleCreateBody>[0],
    signal?: AbortSignal,
  ): Promise<{ ok: true; id: string } | { ok: false; outcome: Exclude<SendOutcome, { ok: true }> }> {
    const created = await this.call(scope, PATHS.articleCreate, articleCreateBody(article), signal);
    if ('outcome' in created) return { ok: false, outcome: created.outcome };
    const token = created.answer.data?.token;
    if (!token) return { ok: false, outcome: { ok: false, retry: true, reason: 'Zalo created the article without giving its token' } };
    const verified = await this.call(scope, PATHS.articleVerify, { token }, signal);
    if ('outcome' in verified) return { ok: false, outcome: verified.outcome };
    const id = verified.answer.data?.id;
    return id ? { ok: true, id } : { ok: false, outcome: { ok: false, retry: true, reason: 'the article is still being processed by Zalo' } };
  }

  /** Broadcasts an article to the OA's followers (needs the OA's broadcast permission). */
  async broadcast(scope: OaScope, articleId: string, signal?: AbortSignal): Promise<SendOutcome> {
    const res = await this.call(scope, PATHS.broadcast, broadcastBody(articleId), signal);
    if ('outcome' in res) return res.outcome;
    return { ok: true, ...(res.answer.data?.message_id ? { providerId: res.answer.data.message_id } : {}) };
  }

  private pace(scope: OaScope): OaPace {
    const key = scopeKey(scope);
    let pace = this.paces.get(key);
    if (!pace) this.paces.set(key, (pace = { pacer: this.o.newPacer(), streak: 0 }));
    return pace;
  }

  private async call(scope: OaScope, path: string, body: unknown, signal?: AbortSignal): Promise<{ answer: ApiAnswer } | { outcome: Exclude<SendOutcome, { ok: true }> }> {
    const pace = this.pace(scope);
    let access = await this.o.tokens.accessToken(scope);
    for (let attempt = 0; ; attempt++) {
      if (!access.ok) {
        // nothing is lost: the message waits for the OA to be connected again (or for Zalo's OAuth to answer)
        return { outcome: access.retry ? { ok: false, retry: true, reason: access.reason } : { ok: false, retry: true, reason: access.reason, retryAfterMs: this.disconnectedRetryMs } };
      }
      await pace.pacer.slot();
      const res: HttpResult<ApiAnswer> = await zaloRequest(
        `${this.o.apiUrl}${path}`,
        { method: 'POST', headers: { 'content-type': 'application/json', access_token: access.token }, body: JSON.stringify(body) },
        apiAnswerSchema,
        this.timeoutMs,
        signal,
      );
      this.o.onCall?.(path, res.kind === 'failed' ? (res.status === null ? 'failed' : `http_${res.status}`) : res.body.error === 0 ? 'ok' : `zalo_${res.body.error}`);
      if (res.kind === 'failed') {
        if (res.status === 429) return { outcome: this.rateLimited(pace, res.retryAfterMs, `Zalo HTTP 429`) };
        return { outcome: { ok: false, retry: true, reason: `Zalo: ${res.reason}`, ...(res.retryAfterMs === undefined ? {} : { retryAfterMs: res.retryAfterMs }) } };
      }
      const { error } = res.body;
      if (error === 0) {
        pace.streak = 0;
        return { answer: res.body };
      }
      const message = res.body.message ?? '';
      if (TOKEN_ERRORS.has(error) && attempt === 0) {
        this.o.logger.info({ commune: scope, error }, 'Zalo refused the access token mid-send; refreshing and sending once more');
        access = await this.o.tokens.invalidated(scope, access.token);
        continue;
      }
      if (TOKEN_ERRORS.has(error)) return { outcome: { ok: false, retry: true, reason: `Zalo refused a freshly refreshed access token (${error} ${message})` } };
      if (error === ZALO_ERRORS.rateLimited) return { outcome: this.rateLimited(pace, res.retryAfterMs, `Zalo -32 ${message}`) };
      const recipient = RECIPIENT_ERRORS[error];
      if (recipient) return { outcome: { ok: false, retry: false, reason: recipient } };
      const later = LATER_ERRORS[error];
      if (later) return { outcome: { ok: false, retry: true, reason: later.reason, retryAfterMs: later.retryAfterMs } };
      // anything else (an invalid parameter, a feature the OA lacks) will not change by retrying
      return { outcome: { ok: false, retry: false, reason: `Zalo error ${error}: ${message}`.slice(0, 500) } };
    }
  }

  /** Holds every send through this OA, longer while the limit keeps being hit. */
  private rateLimited(pace: OaPace, retryAfterMs: number | undefined, reason: string): Exclude<SendOutcome, { ok: true }> {
    // the calls already in flight when the first answer came are the same episode, not a longer one
    const running = pace.pacer.pausedForMs;
    if (running > 0 && retryAfterMs === undefined) return { ok: false, retry: true, reason: `rate limit: ${reason}`, retryAfterMs: running };
    pace.streak++;
    const pause = retryAfterMs ?? Math.min(60_000, this.rateLimitPauseMs * 2 ** (pace.streak - 1));
    pace.pacer.pause(pause);
    return { ok: false, retry: true, reason: `rate limit: ${reason}`, retryAfterMs: pause };
  }
}
