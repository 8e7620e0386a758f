import {
  decodeEdgeMessage,
  topics,
  type CommandName,
  type CommandRequest,
  type CommandRequestMessage,
  type CommandResponse,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { MqttLink } from '../link/mqtt-link.js';

export type CommandHandler<C extends CommandName> = (body: CommandRequest<C>, receivedAt: number) => Promise<CommandResponse<C>> | CommandResponse<C>;

/** A handler's refusal, reported to the cloud as `{ok:false, error:{code, message}}`. */
export class CommandRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CommandOptions<C extends CommandName> {
  /**
   * Runs once the answer has been handed to the broker (QoS 1), only after a success: the
   * `restart` command answers first, then stops the daemon.
   */
  afterReply?: (body: CommandRequest<C>) => void;
}

/** The transaction id of a request this box cannot decode, if its payload has one (to answer "unknown command"). */
function transactionOf(payload: Buffer): string | null {
  try {
    const parsed = JSON.parse(payload.toString()) as { transaction?: unknown };
    return typeof parsed.transaction === 'string' && parsed.transaction.length > 0 && parsed.transaction.length <= 64 ? parsed.transaction : null;
  } catch {
    return null;
  }
}

/** Answers `req/{command}` on `res/{command}` with the same transaction id. */
export class CommandServer {
  private readonly handlers = new Map<string, CommandHandler<CommandName>>();
  private readonly options = new Map<string, CommandOptions<CommandName>>();

  constructor(
    private readonly link: MqttLink,
    private readonly edgeId: string,
    private readonly logger: Logger,
    /** Test only: answered as unknown, as a box of an older contract does. */
    private readonly unknown: readonly string[] = [],
  ) {
    link.subscribe(topics.req(edgeId, '+'), (topic, payload) => void this.handle(topic, payload));
  }

  register<C extends CommandName>(command: C, handler: CommandHandler<C>, options: CommandOptions<C> = {}): void {
    this.handlers.set(command, handler as unknown as CommandHandler<CommandName>);
    this.options.set(command, options as unknown as CommandOptions<CommandName>);
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const receivedAt = Date.now();
    const decoded = decodeEdgeMessage(topic, payload);
    const name = decoded.topic?.channel === 'req' ? decoded.topic.name : null;
    const unknown = name !== null && ((!decoded.ok && decoded.reason.startsWith('unknown command')) || this.unknown.includes(name));
    if (!decoded.ok || unknown) {
      if (!decoded.ok) this.logger.warn({ topic, reason: decoded.reason }, 'request dropped');
      // a command newer than this box's contract: say so, so the cloud need not wait for a timeout
      const transaction = unknown ? transactionOf(payload) : null;
      if (transaction) await this.reply(name!, { transaction, ts: Date.now(), ok: false, error: { code: 'unknown_command', message: `this box does not know "${name}"` } });
      return;
    }
    const command = decoded.topic.name as CommandName;
    const request = decoded.message as CommandRequestMessage<CommandName>;
    const handler = this.handlers.get(command);
    let response: { ok: true; body: unknown } | { ok: false; error: { code: string; message: string } };
    try {
      if (!handler) throw new CommandRefused('unsupported', `this box does not handle "${command}"`);
      response = { ok: true, body: await handler(request.body, receivedAt) };
    } catch (err) {
      const code = err instanceof CommandRefused ? err.code : 'failed';
      response = { ok: false, error: { code, message: (err as Error).message } };
      this.logger.warn({ command, err: (err as Error).message }, 'command failed');
    }
    const sent = await this.reply(command, { transaction: request.transaction, ts: Date.now(), ...response });
    const afterReply = this.options.get(command)?.afterReply;
    if (response.ok && afterReply) {
      if (!sent) this.logger.warn({ command }, 'carrying on without having answered: the cloud will time out');
      afterReply(request.body);
    }
  }

  private async reply(command: string, message: object): Promise<boolean> {
    return this.link.publish(topics.res(this.edgeId, command), JSON.stringify(message), { qos: 1 }).then(
      () => true,
      (err: Error) => {
        this.logger.warn({ command, err: err.message }, 'response not sent');
        return false;
      },
    );
  }
}
