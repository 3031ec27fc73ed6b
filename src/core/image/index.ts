/** The image layer: pixels in (decode), pixels out (encode), and the pixel operations between. */
export * from './raw-image.js';
export * from './format.js';
export * from './image-bytes.js';
export * from './encode.js';
export * from './geotiff.js';
export * from './image.js';
export * from './blank.js';
export * from './merge.js';
export * from './transform.js';
export * from './split.js';
export * from './mask.js';
export * from './single-color.js';
export * from './message.js';
export * from './sharp-config.js';
