/** Called right before each spawn/execFile. `tool` is the program's name (a path is reduced to it). */
export declare function countChildProcess(tool: string): void;
/** Processes started so far, by tool (a copy). */
export declare function childProcessCounts(): Record<string, number>;
/** The same in Prometheus text format (`sc_edge_child_processes_total{tool="ffmpeg"} 12`). */
export declare function childProcessMetricsText(): string;
//# sourceMappingURL=child-processes.d.ts.map