/** The grey the models were trained with around the picture. */
export const PAD_VALUE = 114;
/**
 * Fills a model's input tensor (float32 NCHW, planes B, G, R, values 0..255) from a region of a
 * BGR24 frame: bilinear resize keeping the aspect ratio, placed at the top-left corner, grey 114
 * around it. `input` is written in place on every call; the owner may swap it for another view of
 * the same bytes (after sending the buffer to the inference thread and back), as the padding
 * drawn earlier is relied upon.
 */
export class Letterbox {
    width;
    height;
    input;
    x0;
    x1;
    fx;
    contentWidth;
    contentHeight;
    constructor(width, height) {
        this.width = width;
        this.height = height;
        this.input = new Float32Array(3 * width * height).fill(PAD_VALUE);
        this.x0 = new Int32Array(width);
        this.x1 = new Int32Array(width);
        this.fx = new Float32Array(width);
        this.contentWidth = width;
        this.contentHeight = height;
    }
    /**
     * Letterboxes `region` (whole pixels inside the frame; default the whole frame) and returns the
     * resize ratio: a point at (u, v) of the model input is (region.x + u / ratio, region.y + v / ratio)
     * in the frame.
     */
    fill(frame, region = { x: 0, y: 0, width: frame.width, height: frame.height }) {
        const { width: W, height: H, input } = this;
        const rx = region.x;
        const ry = region.y;
        const rw = region.width;
        const rh = region.height;
        if (!(rx >= 0 && ry >= 0 && rw >= 1 && rh >= 1 && rx + rw <= frame.width && ry + rh <= frame.height) || !Number.isInteger(rx + ry + rw + rh)) {
            throw new RangeError(`region ${rx},${ry} ${rw}x${rh} is not whole pixels inside the ${frame.width}x${frame.height} frame`);
        }
        if (frame.data.length < frame.width * frame.height * 3)
            throw new RangeError('frame data is shorter than width x height x 3');
        const ratio = Math.min(W / rw, H / rh);
        const cw = Math.min(W, Math.round(rw * ratio));
        const ch = Math.min(H, Math.round(rh * ratio));
        this.pad(cw, ch);
        const { x0, x1, fx } = this;
        for (let u = 0; u < cw; u++) {
            const sx = Math.min(Math.max((u + 0.5) / ratio - 0.5, 0), rw - 1);
            const ix = Math.floor(sx);
            x0[u] = (rx + ix) * 3;
            x1[u] = (rx + Math.min(ix + 1, rw - 1)) * 3;
            fx[u] = sx - ix;
        }
        const src = frame.data;
        const stride = frame.width * 3;
        const g = W * H;
        const r = 2 * g;
        for (let v = 0; v < ch; v++) {
            const sy = Math.min(Math.max((v + 0.5) / ratio - 0.5, 0), rh - 1);
            const iy = Math.floor(sy);
            const fy = sy - iy;
            const row0 = (ry + iy) * stride;
            const row1 = (ry + Math.min(iy + 1, rh - 1)) * stride;
            for (let u = 0, o = v * W; u < cw; u++, o++) {
                const a = row0 + x0[u];
                const b = row0 + x1[u];
                const c = row1 + x0[u];
                const d = row1 + x1[u];
                const f = fx[u];
                let top = src[a] + (src[b] - src[a]) * f;
                let bottom = src[c] + (src[d] - src[c]) * f;
                input[o] = top + (bottom - top) * fy;
                top = src[a + 1] + (src[b + 1] - src[a + 1]) * f;
                bottom = src[c + 1] + (src[d + 1] - src[c + 1]) * f;
                input[o + g] = top + (bottom - top) * fy;
                top = src[a + 2] + (src[b + 2] - src[a + 2]) * f;
                bottom = src[c + 2] + (src[d + 2] - src[c + 2]) * f;
                input[o + r] = top + (bottom - top) * fy;
            }
        }
        return ratio;
    }
    /** Greys what lies outside the new content area; only the strips that the last content covered. */
    pad(cw, ch) {
        const { width: W, height: H, input } = this;
        const plane = W * H;
        if (cw < this.contentWidth || ch < this.contentHeight) {
            for (let k = 0; k < 3; k++) {
                const base = k * plane;
                for (let v = 0; v < Math.min(ch, this.contentHeight); v++)
                    input.fill(PAD_VALUE, base + v * W + cw, base + v * W + this.contentWidth);
                for (let v = ch; v < this.contentHeight; v++)
                    input.fill(PAD_VALUE, base + v * W, base + v * W + W);
            }
        }
        this.contentWidth = cw;
        this.contentHeight = ch;
    }
}
//# sourceMappingURL=letterbox.js.map