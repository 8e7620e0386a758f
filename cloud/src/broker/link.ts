export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

/** How the cloud's own services talk to the broker: in-process for the embedded one, a client otherwise. */
export interface BrokerLink {
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  /** Deliver every message matching the filter; returns the function that stops delivery. */
  subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>>;
  /** Drops the connection of an edge (revoked or rotated) so it must authenticate again. */
  disconnectEdge(edgeId: string): void;
  /** Number of edge boxes connected right now, when the broker can tell. */
  connectedEdges(): number | null;
  close(): Promise<void>;
}
