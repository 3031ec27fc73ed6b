#include "thread_scratch.h"

#include <stdlib.h>

static _Thread_local uint8_t *scratch;
static _Thread_local size_t scratch_bytes;

uint8_t *thread_scratch(size_t bytes) {
  if (bytes > scratch_bytes) {
    size_t room = bytes > SIZE_MAX - bytes / 4 ? bytes : bytes + bytes / 4;
    if (bytes <= THREAD_SCRATCH_KEEP_BYTES && room > THREAD_SCRATCH_KEEP_BYTES) room = THREAD_SCRATCH_KEEP_BYTES;
    free(scratch);
    scratch = malloc(room);
    scratch_bytes = scratch ? room : 0;
  }
  return scratch;
}

void thread_scratch_trim(void) {
  if (scratch_bytes <= THREAD_SCRATCH_KEEP_BYTES) return;
  free(scratch);
  scratch = NULL;
  scratch_bytes = 0;
}
