/**
 * How many child processes (ffmpeg, ffprobe, aplay…) the box has started, by tool, since the daemon
 * started. On a 2-core cabinet the processes started per clip were most of the load once (issue 12):
 * this count is the figure that shows it, read by the bench and sent with the telemetry, where the
 * cloud exposes it as `sc_edge_child_processes_total{edge,tool}`.
 */
const counts = new Map();
/** Called right before each spawn/execFile. `tool` is the program's name (a path is reduced to it). */
export function countChildProcess(tool) {
    const name = tool.split('/').pop() || tool;
    counts.set(name, (counts.get(name) ?? 0) + 1);
}
/** Processes started so far, by tool (a copy). */
export function childProcessCounts() {
    return Object.fromEntries(counts);
}
/** The same in Prometheus text format (`sc_edge_child_processes_total{tool="ffmpeg"} 12`). */
export function childProcessMetricsText() {
    const lines = ['# HELP sc_edge_child_processes_total Child processes the box started, by tool', '# TYPE sc_edge_child_processes_total counter'];
    for (const [tool, n] of [...counts].sort())
        lines.push(`sc_edge_child_processes_total{tool="${tool}"} ${n}`);
    return `${lines.join('\n')}\n`;
}
//# sourceMappingURL=child-processes.js.map