/**
 * The edge's version, reported in telemetry and lifecycle events: the release the supervisor started
 * (SC_EDGE_RELEASE, the name of its releases/<version> directory) when it runs under one, else the
 * package's. A bundle's manifest and its package.json agree; a development checkout has no release.
 */
export declare const EDGE_VERSION: string;
//# sourceMappingURL=version.d.ts.map