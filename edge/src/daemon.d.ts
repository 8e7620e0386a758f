import { type BackoffOptions, type Logger } from '@smart-commune/shared/runtime';
import { type EdgeConfig } from './config.js';
import { type Db } from './db/database.js';
import { ClockSync } from './fleet/clock-sync.js';
import { DesiredDocuments } from './fleet/desired-documents.js';
import { TelemetryReporter } from './fleet/telemetry.js';
import { MqttLink } from './link/mqtt-link.js';
import { Outbox } from './outbox/outbox.js';
import { type EdgeRadio } from './radio/index.js';
import { type EdgeIncidentsHandle } from './incidents/index.js';
import { EdgeFootage } from './footage/footage.js';
import { EdgeVision } from './vision/service.js';
import { type SupervisedContext } from './supervisor/daemon-side.js';
import { type EdgeUpdater } from './update/index.js';
export interface EdgeDaemonOptions {
    dataDir: string;
    logger?: Logger;
    backoff?: BackoffOptions;
    /** Test only: a deliberate error of the box's clock, in ms. */
    clockSkewMs?: number;
    /** YOLOX-Nano files; default the box config's modelDir, then SC_MODEL_DIR. */
    modelDir?: string;
    /** Under the supervisor (SC_EDGE_HOME, SC_EDGE_RELEASE): read from the environment unless given (tests). */
    supervised?: SupervisedContext | null;
    /** Called once the update module asked the supervisor for a switch: stop and exit with SWITCH_EXIT_CODE (the CLI does). */
    onSwitchRequested?: () => void;
}
export interface EdgeDaemon {
    config: EdgeConfig;
    db: Db;
    link: MqttLink;
    outbox: Outbox;
    documents: DesiredDocuments;
    telemetry: TelemetryReporter;
    clock: ClockSync;
    radio: EdgeRadio;
    vision: EdgeVision;
    incidents: EdgeIncidentsHandle;
    footage: EdgeFootage;
    /** Over-the-air updates: the `release` document. */
    update: EdgeUpdater;
    stop(): Promise<void>;
}
/** Starts the daemon of one hamlet cabinet from its data dir; works offline from its stored state. */
export declare function startEdgeDaemon(options: EdgeDaemonOptions): Promise<EdgeDaemon>;
//# sourceMappingURL=daemon.d.ts.map