/*
 * Work memory each thread keeps from call to call, for kernels that draw a whole map in C and hand back only its
 * PNG (mosaic_png.h, warp_png.h): allocating the window and the map anew for every map cost a page fault per
 * 4 KiB (about a millisecond for a 1024×768 map) as the kernel handed back fresh zeroed pages. One area per thread,
 * shared by those kernels: a thread runs one job at a time, and each job is done with it when it returns.
 */
#ifndef KERNELS_THREAD_SCRATCH_H
#define KERNELS_THREAD_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * At least `bytes` of the calling thread's scratch (contents undefined), or NULL when out of memory. It grows with
 * a quarter to spare (windows vary from map to map, and each growth faults its pages in again), and is kept
 * between calls up to THREAD_SCRATCH_KEEP_BYTES, which holds a 1024×768 map and its window at any zoom.
 */
uint8_t *thread_scratch(size_t bytes);

/* At the end of a job: frees the scratch when a big map grew it beyond what is kept; the area is idle from now. */
void thread_scratch_trim(void);

/*
 * From any thread: frees every thread's scratch that has been idle (no job between thread_scratch and
 * thread_scratch_trim) for `idle_ms` or more, so a worker that drew big maps a while ago does not keep a map's
 * worth per pool thread while it serves cached tiles. Returns the bytes freed. A job that fails before its trim
 * leaves its area busy: kept, as before.
 */
size_t thread_scratch_release_idle(uint64_t idle_ms);

#define THREAD_SCRATCH_KEEP_BYTES ((size_t)16 << 20)

#endif
