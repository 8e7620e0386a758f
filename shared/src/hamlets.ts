import { z } from 'zod';

export const hamletCodeSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits or "-"');

export const communeSeedSchema = z.object({
  code: hamletCodeSchema,
  name: z.string().min(1),
  district: z.string(),
  province: z.string(),
  hamlets: z.array(z.object({ code: hamletCodeSchema, name: z.string().min(1) })).min(1),
});
export type CommuneSeed = z.infer<typeof communeSeedSchema>;

/** The pilot commune (plan in ../shared/seeds): the cloud's embedded default and the demo's fleet. */
export const VI_TAN: CommuneSeed = {
  code: 'vi-tan',
  name: 'Xã Vị Tân',
  district: 'Thành phố Vị Thanh',
  province: 'Tỉnh Hậu Giang',
  hamlets: [
    { code: 'ap-1', name: 'Ấp 1' },
    { code: 'ap-2', name: 'Ấp 2' },
    { code: 'ap-2a', name: 'Ấp 2A' },
    { code: 'ap-3', name: 'Ấp 3' },
    { code: 'ap-3a', name: 'Ấp 3A' },
    { code: 'ap-4', name: 'Ấp 4' },
    { code: 'ap-5', name: 'Ấp 5' },
    { code: 'ap-6', name: 'Ấp 6' },
    { code: 'ap-7', name: 'Ấp 7' },
  ],
};
