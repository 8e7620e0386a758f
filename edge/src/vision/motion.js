import { assertPolygon, pointInPolygon } from './geometry.js';
const NO_MOTION = { boxes: [], changed: 0, lightning: false };
/**
 * Frigate-style motion detection: a small blurred grey copy of each frame against a running-average
 * background, thresholded, dilated, split into connected blobs. Buffers are sized on the first
 * frame and reused.
 */
export class MotionDetector {
    height;
    threshold;
    minArea;
    lightningThreshold;
    alpha;
    masks;
    frameWidth = 0;
    frameHeight = 0;
    width = 0;
    grey = new Float32Array(0);
    blurred = new Float32Array(0);
    background;
    moving = new Uint8Array(0);
    spread = new Uint8Array(0);
    dilated = new Uint8Array(0);
    masked = new Uint8Array(0);
    unmasked = 0;
    stack = new Int32Array(0);
    xOffsets = new Int32Array(0);
    xNext = new Int32Array(0);
    constructor(options = {}) {
        this.height = options.height ?? 100;
        this.threshold = options.threshold ?? 30;
        this.minArea = options.minArea ?? 10;
        this.lightningThreshold = options.lightningThreshold ?? 0.8;
        this.alpha = options.alpha ?? 0.01;
        this.masks = options.masks ?? [];
        this.masks.forEach((m, i) => assertPolygon(m, `motion mask ${i}`));
    }
    /** Motion in this frame (BGR24 or grey) against the frames before it; the first frame only sets the background. */
    detect(frame) {
        if (frame.width !== this.frameWidth || frame.height !== this.frameHeight)
            this.resize(frame.width, frame.height);
        this.shrink(frame);
        this.blur();
        const { blurred, width, height } = this;
        const n = width * height;
        const background = this.background;
        if (!background) {
            this.background = Float32Array.from(blurred);
            return NO_MOTION;
        }
        const { moving, masked, threshold, alpha } = this;
        let count = 0;
        for (let i = 0; i < n; i++) {
            const b = background[i];
            const v = blurred[i];
            const m = masked[i] === 0 && Math.abs(v - b) > threshold ? 1 : 0;
            moving[i] = m;
            count += m;
            background[i] = b + (v - b) * alpha;
        }
        const changed = this.unmasked ? count / this.unmasked : 0;
        if (changed > this.lightningThreshold) {
            background.set(blurred);
            return { boxes: [], changed, lightning: true };
        }
        return { boxes: count ? this.blobs() : [], changed, lightning: false };
    }
    resize(frameWidth, frameHeight) {
        const height = Math.min(this.height, frameHeight);
        const width = Math.max(1, Math.round((frameWidth * height) / frameHeight));
        const n = width * height;
        Object.assign(this, { frameWidth, frameHeight, width, background: undefined });
        this.grey = new Float32Array(n);
        this.blurred = new Float32Array(n);
        this.moving = new Uint8Array(n);
        this.spread = new Uint8Array(n);
        this.dilated = new Uint8Array(n);
        this.stack = new Int32Array(n);
        this.masked = new Uint8Array(n);
        for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
                const px = (x + 0.5) / width;
                const py = (y + 0.5) / height;
                if (this.masks.some((m) => pointInPolygon(px, py, m)))
                    this.masked[y * width + x] = 1;
            }
        }
        this.unmasked = n - this.masked.reduce((a, b) => a + b, 0);
        // each small pixel averages the 2x2 full-size pixels at its centre
        this.xOffsets = new Int32Array(width);
        this.xNext = new Int32Array(width);
        for (let x = 0; x < width; x++) {
            const sx = Math.min(frameWidth - 1, Math.floor(((x + 0.5) * frameWidth) / width));
            this.xOffsets[x] = sx;
            this.xNext[x] = Math.min(sx + 1, frameWidth - 1);
        }
    }
    shrink(frame) {
        const { grey, width, height, xOffsets, xNext, frameWidth, frameHeight } = this;
        const src = frame.data;
        const bgr = frame.pixelFormat === 'bgr24';
        const stride = bgr ? frameWidth * 3 : frameWidth;
        for (let y = 0; y < height; y++) {
            const sy = Math.min(frameHeight - 1, Math.floor(((y + 0.5) * frameHeight) / height));
            const r0 = sy * stride;
            const r1 = Math.min(sy + 1, frameHeight - 1) * stride;
            let o = y * width;
            if (bgr) {
                for (let x = 0; x < width; x++, o++) {
                    const a = xOffsets[x] * 3;
                    const b = xNext[x] * 3;
                    // integer luma (BT.601): (29 B + 150 G + 77 R) / 256, summed over the 2x2
                    const sum = 29 * (src[r0 + a] + src[r0 + b] + src[r1 + a] + src[r1 + b]) +
                        150 * (src[r0 + a + 1] + src[r0 + b + 1] + src[r1 + a + 1] + src[r1 + b + 1]) +
                        77 * (src[r0 + a + 2] + src[r0 + b + 2] + src[r1 + a + 2] + src[r1 + b + 2]);
                    grey[o] = sum / 1024;
                }
            }
            else {
                for (let x = 0; x < width; x++, o++) {
                    const a = xOffsets[x];
                    const b = xNext[x];
                    grey[o] = (src[r0 + a] + src[r0 + b] + src[r1 + a] + src[r1 + b]) / 4;
                }
            }
        }
    }
    /** 3x3 box blur with clamped edges. */
    blur() {
        const { grey, blurred, width, height } = this;
        for (let y = 0; y < height; y++) {
            const up = (y > 0 ? y - 1 : 0) * width;
            const mid = y * width;
            const down = (y < height - 1 ? y + 1 : y) * width;
            for (let x = 0; x < width; x++) {
                const l = x > 0 ? x - 1 : 0;
                const r = x < width - 1 ? x + 1 : x;
                blurred[mid + x] =
                    (grey[up + l] + grey[up + x] + grey[up + r] + grey[mid + l] + grey[mid + x] + grey[mid + r] + grey[down + l] + grey[down + x] + grey[down + r]) / 9;
            }
        }
    }
    /** Dilates the moving pixels by one, then boxes each 8-connected blob of at least minArea pixels. */
    blobs() {
        const { moving, spread, dilated, width, height, stack } = this;
        // 3x3 dilation, separable: a row pass, then a column pass
        for (let y = 0; y < height; y++) {
            const row = y * width;
            for (let x = 0; x < width; x++) {
                const i = row + x;
                spread[i] = moving[i] | (x > 0 ? moving[i - 1] : 0) | (x < width - 1 ? moving[i + 1] : 0);
            }
        }
        for (let i = 0; i < width * height; i++) {
            dilated[i] = spread[i] | (i >= width ? spread[i - width] : 0) | (i < width * (height - 1) ? spread[i + width] : 0);
        }
        const sx = this.frameWidth / width;
        const sy = this.frameHeight / height;
        const boxes = [];
        for (let start = 0; start < dilated.length; start++) {
            if (dilated[start] !== 1)
                continue;
            let top = 0;
            stack[top++] = start;
            dilated[start] = 2;
            let minX = width;
            let minY = height;
            let maxX = -1;
            let maxY = -1;
            let count = 0;
            while (top > 0) {
                const p = stack[--top];
                const x = p % width;
                const y = (p - x) / width;
                count++;
                if (x < minX)
                    minX = x;
                if (x > maxX)
                    maxX = x;
                if (y < minY)
                    minY = y;
                if (y > maxY)
                    maxY = y;
                for (let dy = -1; dy <= 1; dy++) {
                    const yy = y + dy;
                    if (yy < 0 || yy >= height)
                        continue;
                    for (let dx = -1; dx <= 1; dx++) {
                        const xx = x + dx;
                        const q = yy * width + xx;
                        if (xx >= 0 && xx < width && dilated[q] === 1) {
                            dilated[q] = 2;
                            stack[top++] = q;
                        }
                    }
                }
            }
            if (count >= this.minArea) {
                boxes.push({ x: minX * sx, y: minY * sy, width: (maxX - minX + 1) * sx, height: (maxY - minY + 1) * sy });
            }
        }
        return boxes;
    }
}
//# sourceMappingURL=motion.js.map