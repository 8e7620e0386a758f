import { VI_TAN, type CommuneSeed } from '@smart-commune/shared';

/** A commune of the demo's province, with its mã đơn vị hành chính when the demo sets one. */
export interface DemoCommune extends CommuneSeed {
  /** The commune's administrative code (5 digits); null leaves the commune's as it is. */
  adminCode: string | null;
}

/** Mã tỉnh Hậu Giang in the national list of administrative units. */
export const HAU_GIANG_ADMIN_CODE = '93';
const PROVINCE = 'Tỉnh Hậu Giang';

/** "Ấp 1" … "Ấp n", coded under the commune so that hamlet codes stay province-unique. */
function numberedHamlets(communeCode: string, count: number): CommuneSeed['hamlets'] {
  return Array.from({ length: count }, (_, i) => ({ code: `${communeCode}-ap-${i + 1}`, name: `Ấp ${i + 1}` }));
}

function commune(code: string, name: string, district: string, adminCode: string, hamlets: CommuneSeed['hamlets'] | number): DemoCommune {
  return { code, name, district, province: PROVINCE, adminCode, hamlets: typeof hamlets === 'number' ? numberedHamlets(code, hamlets) : hamlets };
}

/**
 * The communes the province demo adds after Vị Tân, in order: real communes of tỉnh Hậu Giang with
 * their official codes (the national list before the 2025 reorganisation, the one the pilot's
 * province still uses). Xã Hỏa Lựu has its six real hamlets (ấp); for the others the demo does not
 * know the hamlets' names and numbers them. Few hamlets each: every hamlet runs a box daemon on
 * this machine, and twenty communes are already about seventy of them.
 */
const EXTRA_COMMUNES: readonly DemoCommune[] = [
  commune('hoa-luu', 'Xã Hỏa Lựu', 'Thành phố Vị Thanh', '31336', [
    { code: 'hoa-luu-thanh-loi', name: 'Ấp Thạnh Lợi' },
    { code: 'hoa-luu-thanh-phu', name: 'Ấp Thạnh Phú' },
    { code: 'hoa-luu-thanh-dong', name: 'Ấp Thạnh Đông' },
    { code: 'hoa-luu-thanh-binh', name: 'Ấp Thạnh Bình' },
    { code: 'hoa-luu-thanh-trung', name: 'Ấp Thạnh Trung' },
    { code: 'hoa-luu-my-1', name: 'Ấp Mỹ 1' },
  ]),
  commune('hoa-tien', 'Xã Hỏa Tiến', 'Thành phố Vị Thanh', '31339', 4),
  commune('tan-tien', 'Xã Tân Tiến', 'Thành phố Vị Thanh', '31338', 3),
  commune('vi-trung', 'Xã Vị Trung', 'Huyện Vị Thủy', '31444', 3),
  commune('vi-thuy', 'Xã Vị Thủy', 'Huyện Vị Thủy', '31447', 3),
  commune('vi-thang', 'Xã Vị Thắng', 'Huyện Vị Thủy', '31450', 3),
  commune('vinh-thuan-tay', 'Xã Vĩnh Thuận Tây', 'Huyện Vị Thủy', '31453', 3),
  commune('vinh-trung', 'Xã Vĩnh Trung', 'Huyện Vị Thủy', '31456', 3),
  commune('vinh-tuong', 'Xã Vĩnh Tường', 'Huyện Vị Thủy', '31459', 3),
  commune('vi-dong', 'Xã Vị Đông', 'Huyện Vị Thủy', '31462', 3),
  commune('vi-thanh', 'Xã Vị Thanh', 'Huyện Vị Thủy', '31465', 3),
  commune('vi-binh', 'Xã Vị Bình', 'Huyện Vị Thủy', '31468', 3),
  commune('thuan-hung', 'Xã Thuận Hưng', 'Huyện Long Mỹ', '31483', 3),
  commune('thuan-hoa', 'Xã Thuận Hòa', 'Huyện Long Mỹ', '31484', 3),
  commune('vinh-thuan-dong', 'Xã Vĩnh Thuận Đông', 'Huyện Long Mỹ', '31486', 3),
  commune('vinh-vien', 'Xã Vĩnh Viễn', 'Huyện Long Mỹ', '31489', 3),
  commune('luong-tam', 'Xã Lương Tâm', 'Huyện Long Mỹ', '31492', 3),
  commune('luong-nghia', 'Xã Lương Nghĩa', 'Huyện Long Mỹ', '31493', 3),
  commune('xa-phien', 'Xã Xà Phiên', 'Huyện Long Mỹ', '31495', 3),
];

/** The most communes the demo brings up: Vị Tân and every commune above. */
export const MAX_DEMO_COMMUNES = 1 + EXTRA_COMMUNES.length;

/**
 * The province demo's first `count` communes: Vị Tân (the cloud's seeded pilot, left as it is) and
 * the next ones of the list above.
 */
export function demoProvince(count: number): DemoCommune[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_DEMO_COMMUNES) throw new Error(`a demo province has 1 to ${MAX_DEMO_COMMUNES} communes, not ${count}`);
  return [{ ...VI_TAN, adminCode: null }, ...EXTRA_COMMUNES.slice(0, count - 1)];
}
