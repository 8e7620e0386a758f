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

/** Answers `req/{command}` on `res/{command}` with the same transaction id. */
export class CommandServer {
  private readonly handlers = new Map<string, CommandHandler<CommandName>>();

  constructor(
    private readonly link: MqttLink,
    private readonly edgeId: string,
    private readonly logger: Logger,
  ) {
    link.subscribe(topics.req(edgeId, '+'), (topic, payload) => void this.handle(topic, payload));
  }

  register<C extends CommandName>(command: C, handler: CommandHandler<C>): void {
    this.handlers.set(command, handler as unknown as CommandHandler<CommandName>);
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const receivedAt = Date.now();
    const decoded = decodeEdgeMessage(topic, payload);
    if (!decoded.ok) {
      this.logger.warn({ topic, reason: decoded.reason }, 'request dropped');
      return;
    }
    const command = decoded.topic.name as CommandName;
    const request = decoded.message as CommandRequestMessage<CommandName>;
    const handler = this.handlers.get(command);
    let response: object;
    try {
      if (!handler) throw new CommandRefused('unsupported', `this box does not handle "${command}"`);
      response = { ok: true, body: await handler(request.body, receivedAt) };
    } catch (err) {
      const code = err instanceof CommandRefused ? err.code : 'failed';
      response = { ok: false, error: { code, message: (err as Error).message } };
      this.logger.warn({ command, err: (err as Error).message }, 'command failed');
    }
    const reply = JSON.stringify({ transaction: request.transaction, ts: Date.now(), ...response });
    await this.link.publish(topics.res(this.edgeId, command), reply, { qos: 1 }).catch((err: Error) => {
      this.logger.warn({ command, err: err.message }, 'response not sent');
    });
  }
}
