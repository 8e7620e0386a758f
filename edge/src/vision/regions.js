import { overlaps, union } from './geometry.js';
/**
 * Where to run the model for a frame: nothing without motion, else regions around the moving areas
 * (merged while they overlap), or the whole frame when motion is spread over much of it. Regions
 * are whole pixels inside the frame.
 */
export function regionsForMotion(motion, frameWidth, frameHeight, options) {
    if (motion.length === 0)
        return [];
    const whole = { x: 0, y: 0, width: frameWidth, height: frameHeight };
    const maxRegions = options.maxRegions ?? 2;
    let groups = motion.map((box) => ({ motion: box, region: regionAround(box, frameWidth, frameHeight, options) }));
    for (let merged = true; merged;) {
        merged = false;
        outer: for (let i = 0; i < groups.length; i++) {
            for (let j = i + 1; j < groups.length; j++) {
                if (!overlaps(groups[i].region, groups[j].region))
                    continue;
                const box = union(groups[i].motion, groups[j].motion);
                groups = [...groups.filter((_, k) => k !== i && k !== j), { motion: box, region: regionAround(box, frameWidth, frameHeight, options) }];
                merged = true;
                break outer;
            }
        }
    }
    const covered = groups.reduce((sum, g) => sum + g.region.width * g.region.height, 0);
    if (groups.length > maxRegions || covered >= (options.wholeFrameShare ?? 0.5) * frameWidth * frameHeight)
        return [whole];
    return groups.map((g) => g.region);
}
/** The model-shaped region centred on a moving area, grown by the margin, at least the model's size. */
export function regionAround(box, frameWidth, frameHeight, options) {
    const margin = options.margin ?? 0.2;
    const aspect = options.modelWidth / options.modelHeight;
    const wanted = Math.max(box.width * (1 + 2 * margin), box.height * (1 + 2 * margin) * aspect, options.modelWidth);
    const width = Math.min(frameWidth, Math.ceil(wanted));
    const height = Math.min(frameHeight, Math.ceil(wanted / aspect));
    const x = Math.round(Math.min(Math.max(box.x + box.width / 2 - width / 2, 0), frameWidth - width));
    const y = Math.round(Math.min(Math.max(box.y + box.height / 2 - height / 2, 0), frameHeight - height));
    return { x, y, width, height };
}
//# sourceMappingURL=regions.js.map