import { kernel } from './kernels.js';

/** Whole-image tests on RGBA8 pixels (kernels/pixels.c). Lengths must be multiples of 4. */
export const hasTransparency = kernel<(rgba: Uint8Array) => boolean>('hasTransparency');
export const isSingleColor = kernel<(rgba: Uint8Array) => boolean>('singleColor');
