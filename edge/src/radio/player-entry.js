export function newEntry(item, seq, fromPlan) {
    return {
        item,
        seq,
        fromPlan,
        status: 'pending',
        pcm: null,
        live: null,
        preparing: false,
        problem: null,
        retryAt: 0,
        offsetFrames: 0,
        actualStartAt: null,
        interruptedAt: null,
        resumable: true,
        latenessMs: null,
        listeners: [],
    };
}
export function rankOf(e) {
    return { priority: e.item.priority, startAt: e.item.startAt, seq: e.seq };
}
/** Same key: same audio (a plan reload that keeps it keeps the decoded PCM). */
export function sourceKey(source) {
    return source.kind === 'asset' ? `asset:${source.asset.sha256}` : source.kind === 'stream' ? `stream:${source.url}` : 'pcm';
}
/** The alert id of an alert occurrence (`alert:{alertId}:{n}`), null for anything else. */
export function alertIdOf(occurrenceId) {
    return occurrenceId.startsWith('alert:') ? occurrenceId.slice(6, occurrenceId.lastIndexOf(':')) : null;
}
//# sourceMappingURL=player-entry.js.map