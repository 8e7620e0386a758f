import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PATHS, webhookSignature } from '../zalo-wire.js';

/*
 * A local stand-in for Zalo's OAuth v4 and Official Account Open API, following zalo-wire.ts (the
 * documented endpoints, token rules and error codes): for tests (real HTTP on 127.0.0.1) and the
 * demo, where its page shows what the OA would have received. It issues access and refresh tokens;
 * access tokens expire after `accessTtlMs` and stop working when a newer one is issued; refresh
 * tokens are single-use; it can be told to revoke every token, to answer 5xx, to hold a rate limit
 * (-32 per second over `ratePerS`) and to refuse users who have not interacted (-230). It hosts one
 * OA (the options'), and more with addOa(), each with its own app, keys and tokens, as Zalo does for
 * the communes of a province; each message records the OA that sent it.
 */

export interface StandinMessage {
  seq: number;
  at: number;
  /** The OA that sent it (each OA its own app here). */
  oaId: string;
  kind: 'cs' | 'broadcast';
  userId: string | null;
  text: string;
  messageId: string;
}

export interface StandinOptions {
  appId?: string;
  appSecret?: string;
  /** The OA Secret Key that signs webhook events. */
  oaSecretKey?: string;
  oaId?: string;
  accessTtlMs?: number;
  /** Calls per second the Open API accepts (answers -32 beyond); 0 = no limit. */
  ratePerS?: number;
  /** Calls per minute, counted as Zalo documents it (per app, the count starts again each minute; 4,000 for the OA API); 0 = no limit. */
  ratePerMinute?: number;
  /** The cloud's webhook, for the page's "a citizen writes to the OA" form. */
  webhookUrl?: string;
  port?: number;
  host?: string;
  now?: () => number;
}

/** The stand-in's own code for a refresh token it does not know (spent, revoked): the documentation found names none. */
export const STANDIN_INVALID_REFRESH = -14014;

const token = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * One Official Account the stand-in hosts, with its own app (id, secret), OA Secret Key, tokens and
 * followers who have not interacted: a province's deployment has one per commune that connected its
 * own, on the same Zalo servers.
 */
export class StandinOa {
  readonly codes = new Set<string>();
  readonly refreshTokens = new Set<string>();
  current: { token: string; expiresAt: number } | null = null;
  readonly notInteracted = new Set<string>();
  refreshCount = 0;

  constructor(
    readonly appId: string,
    readonly appSecret: string,
    readonly oaSecretKey: string,
    readonly oaId: string,
    private readonly webhookUrl: () => string | null,
    private readonly now: () => number,
  ) {}

  /** A refresh token as an admin would copy it from Zalo's API Explorer. */
  issueRefreshToken(): string {
    const t = token('rt');
    this.refreshTokens.add(t);
    return t;
  }

  /** An authorization code as the OA's consent redirect would give (single-use). */
  issueAuthorizationCode(): string {
    const c = token('code');
    this.codes.add(c);
    return c;
  }

  /** The OA withdrew the app's permission: every token stops working. */
  revoke(): void {
    this.refreshTokens.clear();
    this.current = null;
  }

  /** The current access token expires now (as after 25 hours). */
  expireAccessToken(): void {
    if (this.current) this.current.expiresAt = this.now() - 1;
  }

  /** Posts a signed user_send_text event to the cloud's webhook, as Zalo does when a citizen writes to this OA. */
  async citizenWrites(userId: string, text: string, options: { badSignature?: boolean } = {}): Promise<Response> {
    const webhookUrl = this.webhookUrl();
    if (!webhookUrl) throw new Error('the stand-in has no webhookUrl');
    const timestamp = String(this.now());
    const body = JSON.stringify({
      app_id: this.appId,
      sender: { id: userId },
      user_id_by_app: userId,
      recipient: { id: this.oaId },
      event_name: 'user_send_text',
      message: { text, msg_id: token('msg') },
      timestamp,
    });
    const mac = webhookSignature(this.appId, body, timestamp, options.badSignature ? `${this.oaSecretKey}x` : this.oaSecretKey);
    return fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zevent-signature': mac }, body });
  }

  /** What the admin pastes to connect this OA (the API's and console's connect input). */
  connectInput(): { appId: string; appSecret: string; oaId: string; webhookSecret: string; refreshToken: string } {
    return { appId: this.appId, appSecret: this.appSecret, oaId: this.oaId, webhookSecret: this.oaSecretKey, refreshToken: this.issueRefreshToken() };
  }
}

export class ZaloStandin {
  /** The first OA (the options'); more with addOa(). */
  readonly main: StandinOa;
  readonly oas: StandinOa[] = [];
  accessTtlMs: number;
  ratePerS: number;
  ratePerMinute: number;
  webhookUrl: string | null;
  readonly messages: StandinMessage[] = [];
  /** Every call to an endpoint, with what it answered: for tests. */
  readonly calls: { path: string; error: number | null; status: number }[] = [];
  /** Token exchanges answered with a new pair, every OA together. */
  refreshCount = 0;

  private server: Server | null = null;
  private url_ = '';
  private readonly now: () => number;
  private failures: number[] = [];
  private readonly pathFailures = new Map<string, number[]>();
  private window = { second: 0, count: 0 };
  private minuteWindow = { minute: 0, count: 0 };
  private seq = 0;
  private readonly articles = new Map<string, { title: string; text: string; id: string | null }>();

  constructor(private readonly o: StandinOptions = {}) {
    this.now = o.now ?? Date.now;
    this.main = this.addOa({ appId: o.appId ?? '3141592653589793', appSecret: o.appSecret ?? 'standin-app-secret', oaSecretKey: o.oaSecretKey ?? 'standin-oa-secret-key', oaId: o.oaId ?? '2718281828459045' });
    this.accessTtlMs = o.accessTtlMs ?? 25 * 3600_000;
    this.ratePerS = o.ratePerS ?? 0;
    this.ratePerMinute = o.ratePerMinute ?? 0;
    this.webhookUrl = o.webhookUrl ?? null;
  }

  /** Another OA on the same Zalo servers, with its own app: another commune's. */
  addOa(o: { appId: string; appSecret: string; oaSecretKey: string; oaId: string }): StandinOa {
    const oa = new StandinOa(o.appId, o.appSecret, o.oaSecretKey, o.oaId, () => this.webhookUrl, this.now);
    this.oas.push(oa);
    return oa;
  }

  get appId(): string {
    return this.main.appId;
  }

  get appSecret(): string {
    return this.main.appSecret;
  }

  get oaSecretKey(): string {
    return this.main.oaSecretKey;
  }

  get oaId(): string {
    return this.main.oaId;
  }

  get url(): string {
    return this.url_;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.json(res, 500, { error: -1, message: (err as Error).message }));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url_ = `http://${this.o.host ?? '127.0.0.1'}:${port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  // --- what tests and the demo tell it ---------------------------------------------------------

  /** The first OA's (see StandinOa). */
  issueRefreshToken(): string {
    return this.main.issueRefreshToken();
  }

  issueAuthorizationCode(): string {
    return this.main.issueAuthorizationCode();
  }

  revoke(): void {
    this.main.revoke();
  }

  expireAccessToken(): void {
    this.main.expireAccessToken();
  }

  /** The next calls to the Open API answer these HTTP statuses (e.g. [502, 503]). */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** The next call to this path answers this HTTP status. */
  failAt(path: string, status: number): void {
    this.pathFailures.set(path, [...(this.pathFailures.get(path) ?? []), status]);
  }

  /** This user has not written to the first OA within 7 days: consultation messages answer -230. */
  markNotInteracted(userId: string): void {
    this.main.notInteracted.add(userId);
  }

  /** A citizen writes to the first OA (see StandinOa). */
  citizenWrites(userId: string, text: string, options: { badSignature?: boolean } = {}): Promise<Response> {
    return this.main.citizenWrites(userId, text, options);
  }

  // --- the wire --------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const body = await readBody(req);
    if (req.method === 'GET' && url.pathname === '/') return this.page(res);
    if (req.method === 'GET' && url.pathname === '/messages.json') return this.json(res, 200, { messages: this.messages });
    if (req.method === 'POST' && url.pathname === '/citizen') return this.citizenForm(res, body);
    if (req.method !== 'POST') return this.json(res, 404, { error: -1, message: 'not found' });
    if (url.pathname === PATHS.accessToken) return this.oauth(req, res, body);
    const status = this.failures.shift() ?? this.pathFailures.get(url.pathname)?.shift();
    if (status) return this.answer(res, url.pathname, status, { error: -1, message: `stand-in told to answer ${status}` });
    if (!this.withinRate()) return this.answer(res, url.pathname, 200, { error: -32, message: 'Your application reached limit call api' });
    const access = req.headers.access_token;
    // the OA whose access token this is: each OA's tokens are its own
    const oa = typeof access === 'string' ? this.oas.find((o) => o.current?.token === access) : undefined;
    if (!oa?.current || oa.current.expiresAt <= this.now()) {
      return this.answer(res, url.pathname, 200, { error: -216, message: 'Access token is invalid' });
    }
    let json: Record<string, any>;
    try {
      json = JSON.parse(body) as Record<string, any>;
    } catch {
      return this.answer(res, url.pathname, 200, { error: -201, message: 'body is invalid' });
    }
    if (url.pathname === PATHS.messageCs) {
      const userId = json.recipient?.user_id;
      const text = json.message?.text;
      if (typeof userId !== 'string' || typeof text !== 'string' || text.length > 2000) return this.answer(res, url.pathname, 200, { error: -201, message: 'recipient or text is invalid' });
      if (oa.notInteracted.has(userId)) return this.answer(res, url.pathname, 200, { error: -230, message: 'User has not interacted with the OA in the past 7 days' });
      const m = this.record(oa, 'cs', userId, text);
      return this.answer(res, url.pathname, 200, { error: 0, message: 'Success', data: { message_id: m.messageId, user_id: userId } });
    }
    if (url.pathname === PATHS.articleCreate) {
      const t = token('art');
      this.articles.set(t, { title: String(json.title ?? ''), text: (json.body ?? []).map((b: { content?: string }) => b.content ?? '').join('\n'), id: null });
      return this.answer(res, url.pathname, 200, { error: 0, message: 'Success', data: { token: t } });
    }
    if (url.pathname === PATHS.articleVerify) {
      const article = this.articles.get(String(json.token));
      if (!article) return this.answer(res, url.pathname, 200, { error: -201, message: 'token is invalid' });
      article.id ??= token('a');
      return this.answer(res, url.pathname, 200, { error: 0, message: 'Success', data: { id: article.id } });
    }
    if (url.pathname === PATHS.broadcast) {
      const id = json.message?.attachment?.payload?.elements?.[0]?.attachment_id;
      const article = [...this.articles.values()].find((a) => a.id === id);
      if (!article) return this.answer(res, url.pathname, 200, { error: -201, message: 'attachment_id is invalid' });
      const m = this.record(oa, 'broadcast', null, `${article.title}\n${article.text}`);
      return this.answer(res, url.pathname, 200, { error: 0, message: 'Success', data: { message_id: m.messageId } });
    }
    return this.answer(res, url.pathname, 404, { error: -209, message: 'Not supported this api' });
  }

  private oauth(req: IncomingMessage, res: ServerResponse, body: string): void {
    const form = new URLSearchParams(body);
    const oa = this.oas.find((o) => o.appId === form.get('app_id'));
    if (!oa || req.headers.secret_key !== oa.appSecret) {
      return this.answer(res, PATHS.accessToken, 200, { error: -14002, error_name: 'Invalid parameter', error_reason: 'Invalid app id or secret key' });
    }
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const rt = form.get('refresh_token') ?? '';
      if (!oa.refreshTokens.delete(rt)) {
        return this.answer(res, PATHS.accessToken, 200, { error: STANDIN_INVALID_REFRESH, error_name: 'Invalid parameter', error_reason: 'Invalid refresh token' });
      }
    } else if (grant === 'authorization_code') {
      if (!oa.codes.delete(form.get('code') ?? '')) return this.answer(res, PATHS.accessToken, 200, { error: -14019, error_name: 'Invalid parameter', error_reason: 'Invalid authorization code' });
    } else {
      return this.answer(res, PATHS.accessToken, 200, { error: -14001, error_name: 'Invalid parameter', error_reason: 'Invalid grant_type' });
    }
    this.refreshCount++;
    oa.refreshCount++;
    // the previous access token stops working when a new one is issued
    oa.current = { token: token('at'), expiresAt: this.now() + this.accessTtlMs };
    const refresh = oa.issueRefreshToken();
    this.answer(res, PATHS.accessToken, 200, { access_token: oa.current.token, refresh_token: refresh, expires_in: String(Math.ceil(this.accessTtlMs / 1000)) });
  }

  private withinRate(): boolean {
    const second = Math.floor(this.now() / 1000);
    const minute = Math.floor(second / 60);
    if (this.window.second !== second) this.window = { second, count: 0 };
    if (this.minuteWindow.minute !== minute) this.minuteWindow = { minute, count: 0 };
    const perSecond = !this.ratePerS || ++this.window.count <= this.ratePerS;
    const perMinute = !this.ratePerMinute || ++this.minuteWindow.count <= this.ratePerMinute;
    return perSecond && perMinute;
  }

  private record(oa: StandinOa, kind: StandinMessage['kind'], userId: string | null, text: string): StandinMessage {
    const m = { seq: ++this.seq, at: this.now(), oaId: oa.oaId, kind, userId, text, messageId: token('m') };
    this.messages.push(m);
    return m;
  }

  private answer(res: ServerResponse, path: string, status: number, body: Record<string, unknown>): void {
    this.calls.push({ path, status, error: typeof body.error === 'number' ? body.error : null });
    this.json(res, status, body);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private async citizenForm(res: ServerResponse, body: string): Promise<void> {
    const form = new URLSearchParams(body);
    const userId = (form.get('user_id') ?? '').replace(/\D/g, '').slice(0, 20) || '1000000000000001';
    const answer = await this.citizenWrites(userId, (form.get('text') ?? '').slice(0, 200)).then(
      async (r) => `${r.status} ${(await r.text()).slice(0, 300)}`,
      (err: unknown) => (err as Error).message,
    );
    res.writeHead(303, { location: `/?sent=${encodeURIComponent(answer)}` });
    res.end();
  }

  private page(res: ServerResponse): void {
    const rows = this.messages
      .slice(-200)
      .reverse()
      .map((m) => `<tr><td>${new Date(m.at).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' })}</td><td>${escapeHtml(m.oaId)}</td><td>${m.kind === 'cs' ? 'Tin tư vấn' : 'Broadcast'}</td><td>${escapeHtml(m.userId ?? 'mọi người theo dõi')}</td><td><pre>${escapeHtml(m.text)}</pre></td></tr>`)
      .join('');
    const form = this.webhookUrl
      ? `<h2>Người dân nhắn tin cho OA</h2><form method="post" action="/citizen"><label>Mã người dùng Zalo <input name="user_id" value="1000000000000001" inputmode="numeric"></label> <label>Tin nhắn <input name="text" value="Ấp 1"></label> <button>Gửi</button></form>`
      : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="vi"><meta charset="utf-8"><title>Zalo OA (mô phỏng)</title>
<style>body{font-family:sans-serif;margin:1rem}td,th{border-bottom:1px solid #ccc;padding:.3rem;vertical-align:top;text-align:left}pre{white-space:pre-wrap;margin:0}</style>
<h1>Zalo OA (mô phỏng) — tin OA đã gửi</h1><p>Đây là máy chủ Zalo giả lập của bản chạy thử: mọi tin OA của xã gửi đi hiện ở đây (mới nhất trước). <a href="/messages.json">JSON</a></p>
${form}<table><tr><th>Lúc</th><th>OA</th><th>Loại</th><th>Người nhận</th><th>Nội dung</th></tr>${rows}</table></html>`);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
