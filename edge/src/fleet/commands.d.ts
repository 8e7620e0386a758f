import { type CommandName, type CommandRequest, type CommandResponse } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { MqttLink } from '../link/mqtt-link.js';
export type CommandHandler<C extends CommandName> = (body: CommandRequest<C>, receivedAt: number) => Promise<CommandResponse<C>> | CommandResponse<C>;
/** A handler's refusal, reported to the cloud as `{ok:false, error:{code, message}}`. */
export declare class CommandRefused extends Error {
    readonly code: string;
    constructor(code: string, message: string);
}
/** Answers `req/{command}` on `res/{command}` with the same transaction id. */
export declare class CommandServer {
    private readonly link;
    private readonly edgeId;
    private readonly logger;
    private readonly handlers;
    constructor(link: MqttLink, edgeId: string, logger: Logger);
    register<C extends CommandName>(command: C, handler: CommandHandler<C>): void;
    private handle;
}
//# sourceMappingURL=commands.d.ts.map