import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp, {} from 'sharp';
import { hashFile } from './hash-file.js';
/** Vietnamese names of the classes a commune watches; other COCO classes keep their English label. */
const CLASS_NAMES_VI = {
    person: 'người',
    bicycle: 'xe đạp',
    car: 'ô tô',
    motorcycle: 'xe máy',
    bus: 'xe buýt',
    truck: 'xe tải',
};
/** Box colours (#rrggbb) by class; other classes are drawn in DEFAULT_BOX_COLOUR. */
export const BOX_COLOURS = {
    person: '#ff3030',
    bicycle: '#30c0ff',
    car: '#ffd000',
    motorcycle: '#ff8c00',
    bus: '#c040ff',
    truck: '#40e040',
};
export const DEFAULT_BOX_COLOUR = '#ffffff';
export const boxColour = (label) => BOX_COLOURS[label] ?? DEFAULT_BOX_COLOUR;
export const defaultLabel = (d) => `${CLASS_NAMES_VI[d.label] ?? d.label} ${Math.round(d.score * 100)}%`;
/** BGR → RGB inside libvips: the frame's buffer is the producer's and is neither copied nor changed. */
const SWAP_RED_BLUE = [
    [0, 0, 1],
    [0, 1, 0],
    [1, 0, 0],
];
/** A bgr24 frame as a sharp image in RGB, without copying its buffer. */
export function frameImage(frame) {
    if (frame.pixelFormat !== 'bgr24')
        throw new RangeError(`frames must be bgr24, not ${frame.pixelFormat}`);
    return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).recomb(SWAP_RED_BLUE);
}
/**
 * Writes a frame as a JPEG with each detection's box and label drawn on it (an SVG overlay composited
 * by sharp). Box coordinates are the frame's pixels. The file appears at `outPath` only when complete.
 */
export async function renderSnapshot(frame, detections, outPath, options = {}) {
    const { width, height } = frame;
    const overlay = Buffer.from(overlaySvg(width, height, detections, options.label ?? defaultLabel));
    const temp = join(dirname(outPath), `.${basename(outPath)}.${randomUUID()}.part`);
    await mkdir(dirname(outPath), { recursive: true });
    try {
        await frameImage(frame)
            .composite([{ input: overlay, top: 0, left: 0 }])
            .jpeg({ quality: options.quality ?? 85, chromaSubsampling: '4:4:4' }) // thin coloured boxes survive without colour bleed
            .toFile(temp);
        const sha256 = await hashFile(temp);
        const { size } = await stat(temp);
        await rename(temp, outPath);
        return { path: outPath, sha256, bytes: size, width, height };
    }
    finally {
        await rm(temp, { force: true });
    }
}
function overlaySvg(width, height, detections, label) {
    const stroke = Math.max(2, Math.round(Math.min(width, height) / 240));
    const fontSize = Math.max(12, Math.round(height / 36));
    const shapes = detections.map((d) => {
        const colour = boxColour(d.label);
        const x = Math.round(clamp(d.box.x, 0, width - 1));
        const y = Math.round(clamp(d.box.y, 0, height - 1));
        const w = Math.max(1, Math.round(clamp(d.box.x + d.box.width, 0, width) - x));
        const h = Math.max(1, Math.round(clamp(d.box.y + d.box.height, 0, height) - y));
        const text = escapeXml(label(d));
        const textWidth = Math.round(text.length * fontSize * 0.6) + 6;
        const textY = y >= fontSize + 4 ? y - fontSize - 4 : y; // above the box, or inside it at the top edge
        return (`<rect x="${x + stroke / 2}" y="${y + stroke / 2}" width="${Math.max(1, w - stroke)}" height="${Math.max(1, h - stroke)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
            `<rect x="${x}" y="${textY}" width="${textWidth}" height="${fontSize + 4}" fill="${colour}"/>` +
            `<text x="${x + 3}" y="${textY + fontSize}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#000000">${text}</text>`);
    });
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}
function escapeXml(text) {
    return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
function clamp(value, min, max) {
    return Math.min(max, Math.max(min, value));
}
//# sourceMappingURL=snapshot.js.map