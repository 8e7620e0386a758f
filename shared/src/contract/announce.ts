import { z } from 'zod';

/**
 * What a peer says it understands of the v1 contract: its contract revision and the features that
 * revision brings (see features.ts). Sent by the box in telemetry and in its lifecycle "started"
 * event, by the cloud on the retained `sc/v1/broadcast/contract`. Feature names are open strings,
 * not an enum: a newer peer's names must never make an older peer refuse the message.
 */
export const contractAnnouncementSchema = z.object({
  /** The contract revision inside the `sc/v1` root (PROTOCOL_VERSION is the major, in the topic). */
  version: z.number().int().positive().max(1_000_000),
  features: z.array(z.string().min(1).max(64)).max(256),
});
export type ContractAnnouncement = z.infer<typeof contractAnnouncementSchema>;

/** `sc/v1/broadcast/contract`, retained, cloud → every box: the cloud's contract and software version. */
export const cloudContractSchema = contractAnnouncementSchema.extend({
  softwareVersion: z.string().max(64),
  ts: z.number().int().nonnegative(),
});
export type CloudContract = z.infer<typeof cloudContractSchema>;
