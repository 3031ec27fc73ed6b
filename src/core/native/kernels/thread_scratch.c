#include "thread_scratch.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/*
 * Each thread's area, in one list: a pool thread that has gone idle cannot free its own memory, so the main thread
 * frees the areas nobody has used for a while (thread_scratch_release_idle). The lock guards `busy` and, while an
 * area is not busy, its memory; its owner changes the memory only while the area is busy.
 */
typedef struct area {
  uint8_t *memory;
  size_t bytes;
  int busy;
  uint64_t idle_since_ms;
  struct area *next;
} area_t;

static pthread_mutex_t areas_lock = PTHREAD_MUTEX_INITIALIZER;
static area_t *areas;
static _Thread_local area_t *mine;

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

uint8_t *thread_scratch(size_t bytes) {
  if (!mine) {
    area_t *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    pthread_mutex_lock(&areas_lock);
    a->next = areas;
    areas = a;
    pthread_mutex_unlock(&areas_lock);
    mine = a;
  }
  pthread_mutex_lock(&areas_lock);
  mine->busy = 1;
  pthread_mutex_unlock(&areas_lock);
  if (bytes > mine->bytes) {
    size_t room = bytes > SIZE_MAX - bytes / 4 ? bytes : bytes + bytes / 4;
    if (bytes <= THREAD_SCRATCH_KEEP_BYTES && room > THREAD_SCRATCH_KEEP_BYTES) room = THREAD_SCRATCH_KEEP_BYTES;
    free(mine->memory);
    mine->memory = malloc(room);
    mine->bytes = mine->memory ? room : 0;
  }
  return mine->memory;
}

void thread_scratch_trim(void) {
  if (!mine) return;
  if (mine->bytes > THREAD_SCRATCH_KEEP_BYTES) {
    free(mine->memory);
    mine->memory = NULL;
    mine->bytes = 0;
  }
  pthread_mutex_lock(&areas_lock);
  mine->busy = 0;
  mine->idle_since_ms = now_ms();
  pthread_mutex_unlock(&areas_lock);
}

size_t thread_scratch_release_idle(uint64_t idle_ms) {
  size_t freed = 0;
  uint64_t now = now_ms();
  pthread_mutex_lock(&areas_lock);
  for (area_t *a = areas; a; a = a->next) {
    if (a->busy || !a->memory || now - a->idle_since_ms < idle_ms) continue;
    free(a->memory);
    freed += a->bytes;
    a->memory = NULL;
    a->bytes = 0;
  }
  pthread_mutex_unlock(&areas_lock);
  return freed;
}
