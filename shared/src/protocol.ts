/** Version of the MQTT contract; bumped when a payload changes incompatibly (the topic root carries the major). */
export const PROTOCOL_VERSION = 1;
export const TOPIC_ROOT = 'sc/v1';
/** Payloads above this size are refused by the broker and by both sides' decoders. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
