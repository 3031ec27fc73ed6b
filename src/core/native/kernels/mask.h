/* Clearing the outside of polygons (MapProxy's mask_image for coverages with clip). */
#ifndef KERNELS_MASK_H
#define KERNELS_MASK_H

#include <stddef.h>
#include <stdint.h>

/* Doubles per polygon edge: ax, ay, bx, by in pixel coordinates (x right, y down). */
#define MASK_EDGE_DOUBLES 4

/*
 * Sets every pixel of the RGBA image (w × h) whose centre lies outside the polygons to (255, 255, 255, 0), as
 * MapProxy pastes; inside follows the even-odd rule over all edges (exteriors and holes alike). Returns 0, or -1
 * when out of memory (the image then unchanged).
 */
int mask_outside(uint8_t *rgba, int w, int h, const double *edges, size_t nedges);

#endif
