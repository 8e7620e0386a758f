export const alertSeverities = ['minor', 'moderate', 'severe', 'extreme'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

export const alertKinds = ['storm', 'flood', 'earthquake', 'fire', 'epidemic', 'other'] as const;
export type AlertKind = (typeof alertKinds)[number];

/** QĐ 18/2021/QĐ-TTg: storm and flood bulletins are repeated every 2 hours until they end. */
export const STORM_FLOOD_REPEAT_MS = 2 * 3_600_000;

/** The repetition interval when the sender gives none: every 2 hours for storms and floods, once otherwise. */
export const defaultRepeatMs = (kind: AlertKind): number | null => (kind === 'storm' || kind === 'flood' ? STORM_FLOOD_REPEAT_MS : null);
