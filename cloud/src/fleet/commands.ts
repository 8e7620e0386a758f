import { randomUUID } from 'node:crypto';
import {
  CONTRACT_FEATURES,
  featureOfCommand,
  supports,
  topics,
  type ContractAnnouncement,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type CommandResponseMessage,
} from '@smart-commune/shared';
import type { BrokerLink } from '../broker/link.js';
import { ApiError } from '../http/errors.js';

interface Pending {
  edgeId: string;
  command: CommandName;
  resolve(body: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Request/response over `req/{command}` and `res/{command}`, matched by the `transaction` in the payload. */
export class CommandClient {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly broker: BrokerLink,
    private readonly defaultTimeoutMs: number,
    /** The contract each box announced: a command added after revision 1 goes only to boxes that have its feature. */
    private readonly contracts: { of(edgeId: string): Promise<ContractAnnouncement | null> } | null = null,
    private readonly featureOf: (command: string) => string | null = featureOfCommand,
  ) {}

  async send<C extends CommandName>(edgeId: string, command: C, body: CommandRequest<C>, timeoutMs = this.defaultTimeoutMs): Promise<CommandResponse<C>> {
    const feature = this.contracts ? this.featureOf(command) : null;
    if (feature && !supports(await this.contracts!.of(edgeId), feature)) {
      // said at once, rather than a request an older box answers `unsupported` or never
      const since = (CONTRACT_FEATURES as Record<string, { since: number }>)[feature]?.since;
      throw new ApiError(
        409,
        'edge_unsupported',
        `Phiên bản phần mềm của tủ ${edgeId} chưa hỗ trợ lệnh "${command}"; hãy cập nhật tủ (this box's version does not support "${command}": it needs feature ${feature}${since ? `, contract revision ${since}` : ''})`,
        { feature, since: since ?? null },
      );
    }
    const transaction = randomUUID();
    return new Promise<CommandResponse<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new ApiError(504, 'edge_timeout', `edge ${edgeId} did not answer "${command}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transaction, { edgeId, command, resolve: resolve as (body: unknown) => void, reject, timer });
      const payload = JSON.stringify({ transaction, sentAt: Date.now(), body });
      this.broker.publish(topics.req(edgeId, command), payload, { qos: 1, retain: false }).catch((err: Error) => {
        clearTimeout(timer);
        this.pending.delete(transaction);
        reject(err);
      });
    });
  }

  /** Settles the matching request; answers nobody waits for (late, or for another edge) are ignored. */
  onResponse(edgeId: string, command: string, message: CommandResponseMessage<CommandName>): boolean {
    const pending = this.pending.get(message.transaction);
    if (!pending || pending.edgeId !== edgeId || pending.command !== command) return false;
    this.pending.delete(message.transaction);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.body);
    else pending.reject(new ApiError(502, 'edge_error', `edge ${edgeId} refused "${command}": ${message.error.message}`, message.error));
    return true;
  }

  close(): void {
    for (const [transaction, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new ApiError(503, 'shutting_down', 'the cloud is shutting down'));
      this.pending.delete(transaction);
    }
  }
}
