export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export interface SubscribeOptions {
  /**
   * Consumed once between the cloud's processes: a shared subscription ($share/<group>/filter) when
   * the link has a share group, else an ordinary one. A process's shared and ordinary filters must
   * not overlap (a message is handed to every handler whose filter matches it).
   */
  shared?: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

/** How the cloud's own services talk to the broker: in-process for the embedded one, a client otherwise. */
export interface BrokerLink {
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  /** Deliver every message matching the filter; returns the function that stops delivery. */
  subscribe(filter: string, handler: MessageHandler, options?: SubscribeOptions): Promise<() => Promise<void>>;
  /** True when `shared` subscriptions are split between processes (an external broker with a share group). */
  readonly sharesSubscriptions?: boolean;
  /** Drops the connection of an edge (revoked or rotated) so it must authenticate again. */
  disconnectEdge(edgeId: string): void;
  /** Number of edge boxes connected right now, when the broker can tell. */
  connectedEdges(): number | null;
  close(): Promise<void>;
}
