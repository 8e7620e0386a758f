/** One decoded picture; every module of the vision core works on these. */
export function bytesPerPixel(format) {
    return format === 'bgr24' ? 3 : 1;
}
//# sourceMappingURL=frame.js.map