import { decodeEdgeMessage, topics, } from '@smart-commune/shared';
/** A handler's refusal, reported to the cloud as `{ok:false, error:{code, message}}`. */
export class CommandRefused extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
/** Answers `req/{command}` on `res/{command}` with the same transaction id. */
export class CommandServer {
    link;
    edgeId;
    logger;
    handlers = new Map();
    constructor(link, edgeId, logger) {
        this.link = link;
        this.edgeId = edgeId;
        this.logger = logger;
        link.subscribe(topics.req(edgeId, '+'), (topic, payload) => void this.handle(topic, payload));
    }
    register(command, handler) {
        this.handlers.set(command, handler);
    }
    async handle(topic, payload) {
        const receivedAt = Date.now();
        const decoded = decodeEdgeMessage(topic, payload);
        if (!decoded.ok) {
            this.logger.warn({ topic, reason: decoded.reason }, 'request dropped');
            return;
        }
        const command = decoded.topic.name;
        const request = decoded.message;
        const handler = this.handlers.get(command);
        let response;
        try {
            if (!handler)
                throw new CommandRefused('unsupported', `this box does not handle "${command}"`);
            response = { ok: true, body: await handler(request.body, receivedAt) };
        }
        catch (err) {
            const code = err instanceof CommandRefused ? err.code : 'failed';
            response = { ok: false, error: { code, message: err.message } };
            this.logger.warn({ command, err: err.message }, 'command failed');
        }
        const reply = JSON.stringify({ transaction: request.transaction, ts: Date.now(), ...response });
        await this.link.publish(topics.res(this.edgeId, command), reply, { qos: 1 }).catch((err) => {
            this.logger.warn({ command, err: err.message }, 'response not sent');
        });
    }
}
//# sourceMappingURL=commands.js.map