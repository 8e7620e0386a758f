/** Highest reading of the host's thermal zones in °C, or null when it has none (most VMs). */
export declare function readTemperatureC(root?: string): number | null;
export declare function readDisk(path: string): {
    path: string;
    totalBytes: number;
    freeBytes: number;
};
export declare function readHost(): {
    hostname: string;
    uptimeS: number;
    load: [number, number, number];
    memory: {
        totalBytes: number;
        freeBytes: number;
        daemonRssBytes: number;
    };
};
//# sourceMappingURL=host-metrics.d.ts.map