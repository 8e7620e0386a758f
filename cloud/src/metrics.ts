import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CloudMetrics = ReturnType<typeof createCloudMetrics>;

/** The control plane's Prometheus metrics, in a registry of its own (several clouds can live in one test process). */
export function createCloudMetrics() {
  const registry = new Registry();
  // the fleet's counts are read through the query layer too (async); prom-client awaits collect()
  let countOnline: () => Promise<number> = async () => 0;
  // async: the outbox is read through the query layer (PostgreSQL or SQLite); prom-client awaits collect()
  let countBacklog: () => Promise<{ channel: string; status: string; count: number }[]> = async () => [];
  let childProcesses = async (): Promise<Array<{ edge: string; tool: string; count: number }>> => [];
  let countFlooding: () => Promise<number> = async () => 0;
  let countSpeakerAlarms: () => Promise<number> = async () => 0;
  let contractRevisions = async (): Promise<Array<{ revision: number; count: number }>> => [];
  // the embedded broker's in-memory state, read when scraped (0 with an external broker)
  let brokerState = (): { retained: number; routingBacklog: number } => ({ retained: 0, routingBacklog: 0 });
  collectDefaultMetrics({ register: registry, prefix: 'sc_cloud_' });
  return {
    registry,
    edgesConnected: new Gauge({ name: 'sc_edges_connected', help: 'Edge boxes connected to the embedded broker', registers: [registry] }),
    edgesOnline: new Gauge({
      name: 'sc_edges_online',
      help: 'Edge boxes the cloud considers online',
      registers: [registry],
      async collect() {
        this.set(await countOnline());
      },
    }),
    /** Counted when scraped, not on every availability message (a reconnect storm brings thousands). */
    countOnlineWith(counter: () => Promise<number>) {
      countOnline = counter;
    },
    edgeChildProcesses: new Gauge({
      name: 'sc_edge_child_processes_total',
      help: 'Child processes (ffmpeg, ffprobe, aplay…) each box started since its daemon started, by tool, from its latest telemetry',
      labelNames: ['edge', 'tool'] as const,
      registers: [registry],
      async collect() {
        const rows = await childProcesses();
        this.reset();
        for (const { edge, tool, count } of rows) this.set({ edge, tool }, count);
      },
    }),
    /** Read from the boxes' latest telemetry when scraped. */
    childProcessesWith(reader: () => Promise<Array<{ edge: string; tool: string; count: number }>>) {
      childProcesses = reader;
    },
    camerasFlooding: new Gauge({
      name: 'sc_cameras_flooding',
      help: 'Cameras of online boxes in a flood warning (more review items an hour than their review.floodPerHour), from the latest telemetry',
      registers: [registry],
      async collect() {
        this.set(await countFlooding());
      },
    }),
    countFloodingWith(counter: () => Promise<number>) {
      countFlooding = counter;
    },
    speakerAlarms: new Gauge({
      name: 'sc_speaker_alarms',
      help: 'Loudspeaker zones down longer than SC_SPEAKER_ALARM_AFTER_S (alarms on now)',
      registers: [registry],
      // async: the alarms are read through the query layer; prom-client awaits collect()
      async collect() {
        this.set(await countSpeakerAlarms());
      },
    }),
    /** Counted when scraped, from the stored alarms. */
    countSpeakerAlarmsWith(counter: typeof countSpeakerAlarms) {
      countSpeakerAlarms = counter;
    },
    speakerAlarmsRaised: new Counter({ name: 'sc_speaker_alarms_raised_total', help: 'Loudspeaker zone alarms raised (a zone down longer than SC_SPEAKER_ALARM_AFTER_S)', registers: [registry] }),
    /** Mixed versions: how many boxes speak each contract revision (what a feature would reach). */
    edgesByContract: new Gauge({
      name: 'sc_edges_by_contract',
      help: 'Active boxes by the contract revision they announced (1: none announced, or no telemetry yet)',
      labelNames: ['revision'] as const,
      registers: [registry],
      async collect() {
        const rows = await contractRevisions();
        this.reset();
        for (const { revision, count } of rows) this.set({ revision: String(revision) }, count);
      },
    }),
    contractRevisionsWith(reader: () => Promise<Array<{ revision: number; count: number }>>) {
      contractRevisions = reader;
    },
    mqttMessagesIn: new Counter({ name: 'sc_mqtt_messages_in_total', help: 'MQTT messages received from clients', registers: [registry] }),
    mqttMessagesOut: new Counter({ name: 'sc_mqtt_messages_out_total', help: 'MQTT messages published by the cloud', registers: [registry] }),
    mqttRetained: new Gauge({
      name: 'sc_mqtt_retained_messages',
      help: 'Retained messages the embedded broker holds (each box keeps a fixed handful: availability, reported and desired documents)',
      registers: [registry],
      collect() {
        this.set(brokerState().retained);
      },
    }),
    mqttRoutingBacklog: new Gauge({
      name: 'sc_mqtt_routing_backlog',
      help: 'Messages the embedded broker has accepted and not yet routed: above 0 for long, a client that does not read holds the routing slots (closed after 60 s)',
      registers: [registry],
      collect() {
        this.set(brokerState().routingBacklog);
      },
    }),
    /** Read when scraped, from the embedded broker's memory. */
    brokerStateWith(reader: typeof brokerState) {
      brokerState = reader;
    },
    mqttRejected: new Counter({
      name: 'sc_mqtt_rejected_total',
      help:
        'MQTT connections, publishes and subscriptions refused or dropped, by reason (auth, acl, retain, rate, size, schema, unknown_edge, storage, not_acknowledged; ' +
        'packet_too_large, malformed_packet, unauthenticated_limit: closed before the packet was read)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    brokerAccountWaits: new Counter({
      name: 'sc_broker_account_waits_total',
      help:
        "Claims and live rotations whose answer waited for the box's account on an external Mosquitto (SC_MQTT_DYNSEC=1), by event (claim, rotation) " +
        'and outcome (applied; timeout: answered after SC_MQTT_DYNSEC_WAIT_MS without it; failed: the broker refused or was away, the next reconcile repairs it)',
      labelNames: ['event', 'outcome'] as const,
      registers: [registry],
    }),
    brokerHttpAuth: new Counter({
      name: 'sc_broker_http_auth_total',
      help:
        "Questions an external broker (EMQX, mosquitto-go-auth) asked the cloud's HTTP authentication endpoint, by check " +
        '(connect, superuser, publish, subscribe, read; acl for a malformed topic question) and result (allow, deny, invalid: a malformed question answered 400)',
      labelNames: ['check', 'result'] as const,
      registers: [registry],
    }),
    incidentsReceived: new Counter({
      name: 'sc_incidents_received_total',
      help: 'Incident events applied, by outcome (created, updated, foreign: the id belongs to another edge, versioned: contradicted an incident under review, kept as a version)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    incidentMediaStored: new Counter({ name: 'sc_incident_media_stored_total', help: 'Incident files received with a matching sha256', labelNames: ['kind'] as const, registers: [registry] }),
    incidentMediaRejected: new Counter({
      name: 'sc_incident_media_rejected_total',
      help: 'Incident file uploads refused or deferred, by kind and reason (hash_mismatch, size_mismatch, too_large, wrong_content, foreign_incident, metadata_pending …)',
      labelNames: ['kind', 'reason'] as const,
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: 'sc_auth_login_failures_total',
      help: 'Logins with a wrong password, an unknown name or a disabled account, by reason (wrong_password, unknown_user, disabled)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    loginRefused: new Counter({
      name: 'sc_auth_login_refused_total',
      help: 'Logins refused before the password was checked, by reason (account_locked: this address is locked out of the account; client_rate: the address fails too often)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    /** No username label: guessed names are chosen by strangers, the audit log names them. */
    accountsGuessed: new Counter({
      name: 'sc_auth_accounts_guessed_total',
      help: 'Times an account looked like it was being guessed (an address locked out of it, or failures from several addresses); the audit log names it (auth.account_guessed)',
      registers: [registry],
    }),
    liveOnAir: new Gauge({ name: 'sc_live_sessions_on_air', help: 'Live sessions on air now, by source (voice, relay)', labelNames: ['source'] as const, registers: [registry] }),
    liveSessions: new Counter({
      name: 'sc_live_sessions_total',
      help: 'Live sessions ended, by source and end reason (stopped, interrupted, failed)',
      labelNames: ['source', 'reason'] as const,
      registers: [registry],
    }),
    liveInputBytes: new Counter({ name: 'sc_live_input_bytes_total', help: 'PCM bytes producers wrote into live sessions', labelNames: ['source'] as const, registers: [registry] }),
    liveSilentFrames: new Counter({
      name: 'sc_live_silent_frames_total',
      help: "20 ms frames of live sessions sent as silence because the producer's buffer was empty (its link stalled, or it said nothing yet)",
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    liveReaders: new Gauge({ name: 'sc_live_stream_readers', help: 'Boxes reading a live stream now', registers: [registry] }),
    liveVoiceSockets: new Gauge({ name: 'sc_live_voice_sockets', help: "Operators' microphone WebSockets streaming into live voice sessions now", registers: [registry] }),
    liveVoiceClosed: new Counter({
      name: 'sc_live_voice_sockets_closed_total',
      help: "Operators' microphone sockets the cloud closed, by reason (bad_audio, too_fast, replaced, ended, interrupted: the link was lost or the cloud stopped)",
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    playbackRefused: new Counter({
      name: 'sc_playback_refused_total',
      help: 'Proof-of-play events refused because their box was never given the occurrence in a plan (not stored, not public)',
      registers: [registry],
    }),
    alertsHeld: new Counter({
      name: 'sc_alerts_held_total',
      help: 'CAP messages held for an operator instead of playing, by reason (no_evaluable_area, no_vietnamese, untrusted_sender, unsigned, bad_signature; one message may count under several)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    domainEventErrors: new Counter({
      name: 'sc_domain_event_handler_errors_total',
      help: 'Domain event handlers that threw or rejected, by event name and subscriber (logged; the publisher and the other subscribers carry on)',
      labelNames: ['event', 'subscriber'] as const,
      registers: [registry],
    }),
    incidentsPurged: new Counter({ name: 'sc_incidents_purged_total', help: 'Incidents deleted by the retention policy', registers: [registry] }),
    incidentMediaBudgetBytes: new Gauge({ name: 'sc_incident_media_budget_bytes', help: 'Byte budget of the incident media store (SC_INCIDENT_MEDIA_MAX_BYTES, or half its volume)', registers: [registry] }),
    incidentMediaUsedBytes: new Gauge({ name: 'sc_incident_media_used_bytes', help: 'Bytes the incident media store holds', registers: [registry] }),
    edgeMaintenance: new Counter({
      name: 'sc_edge_maintenance_total',
      help: "Remote maintenance of boxes by command (logs, doctor, restart, reboot) and outcome (done, refused: an emergency on air, failed: the box's error, unsupported, offline, timeout)",
      labelNames: ['command', 'outcome'] as const,
      registers: [registry],
    }),
    incidentsEvicted: new Counter({
      name: 'sc_incidents_evicted_total',
      help: 'Items deleted to keep incident media within its byte budget, by tier (dismissed, detection, alert)',
      labelNames: ['tier'] as const,
      registers: [registry],
    }),
    incidentMediaBudgetFull: new Counter({
      name: 'sc_incident_media_budget_full_total',
      help: 'Times the budget could not make room (only confirmed, held or in-review items left): uploads refused with 507 until a person frees space',
      registers: [registry],
    }),
    capFeedPolls: new Counter({
      name: 'sc_cap_feed_polls_total',
      help: 'Polls of subscribed CAP feeds, by outcome (changed, not_modified: 304, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    capFeedMessages: new Counter({
      name: 'sc_cap_feed_messages_total',
      help: 'CAP feed messages, by outcome (taken, held for an operator, refused by the alert rules or unfetchable, duplicate, retry: speech failed, failed: given up)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    capFeedsDown: new Gauge({ name: 'sc_cap_feeds_down', help: 'Enabled CAP feeds failing long enough to warn operators (SC_CAP_FEED_WARN_*)', registers: [registry] }),
    /** 1 while this process holds the leader lock and runs the once-only work (cluster/leadership.ts), else 0. */
    clusterLeader: new Gauge({ name: 'sc_cluster_leader', help: 'Whether this cloud process is the leader that runs the once-only work (watchdog, sweeps, plan publishing): 1 or 0', registers: [registry] }),
    relaysActive: new Gauge({ name: 'sc_relays_active', help: 'Stations being relayed to the boxes right now (tiếp sóng)', registers: [registry] }),
    relayReconnects: new Counter({ name: 'sc_relay_reconnects_total', help: 'Connections to relayed stations lost or refused and made again', registers: [registry] }),
    relayAudioSeconds: new Counter({
      name: 'sc_relay_audio_seconds_total',
      help: 'Relay air time by what filled it: the station (played) or silence (nothing came from it), counted when each relay ends',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    notificationsSent: new Counter({
      name: 'sc_notifications_sent_total',
      help: 'Notifications a channel delivered to its provider (Web Push service, Zalo OA), by channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    notificationsFailed: new Counter({
      name: 'sc_notifications_failed_total',
      help:
        'Failed notification attempts, by channel and class (temporary, rate_limited: tried again later; error: the channel threw, tried again; ' +
        'rejected: the provider refused for good; exhausted: given up after the attempts or time allowed, SC_NOTIFY_*)',
      labelNames: ['channel', 'class'] as const,
      registers: [registry],
    }),
    notificationsBacklog: new Gauge({
      name: 'sc_notifications_outbox_backlog',
      help: 'Notifications waiting in the outbox (queued) or being sent, by channel and status',
      labelNames: ['channel', 'status'] as const,
      registers: [registry],
      async collect() {
        const counts = await countBacklog();
        this.reset();
        for (const { channel, status, count } of counts) this.set({ channel, status }, count);
      },
    }),
    /** Counted when scraped (an index-only count), not on every enqueue. */
    countBacklogWith(counter: typeof countBacklog) {
      countBacklog = counter;
    },
    httpDuration: new Histogram({
      name: 'sc_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    mediaBytesPut: new Counter({
      name: 'sc_media_put_bytes_total',
      help: 'Bytes of media newly stored (verified, not already there), by backend (local, s3) and kind (audio, incident, report)',
      labelNames: ['backend', 'kind'] as const,
      registers: [registry],
    }),
    mediaOperations: new Counter({
      name: 'sc_media_operations_total',
      help:
        'Media store operations by backend, operation (put, head, read, delete, list) and result ' +
        '(ok, existed, missing, hash_mismatch, too_large, unsatisfiable, refused: the caller\'s own check while streaming, error)',
      labelNames: ['backend', 'operation', 'result'] as const,
      registers: [registry],
    }),
    zaloCalls: new Counter({
      name: 'sc_zalo_calls_total',
      help: "Calls to Zalo's OA Open API by endpoint and result (ok, zalo_<error code>, http_<status>, failed)",
      labelNames: ['endpoint', 'result'] as const,
      registers: [registry],
    }),
    zaloTokenRefreshes: new Counter({
      name: 'sc_zalo_token_refreshes_total',
      help: 'Refreshes of the Zalo OA access token by outcome (ok, refused: the OA needs reconnecting, failed: Zalo did not answer, lost: another refresh won)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
