/*
 * What the C allocator holds for the process. Image buffers are large: glibc's dynamic mmap threshold rises
 * with the first one freed, so later ones come from the arenas, and a burst of maps leaves the arenas holding
 * tens of megabytes of free pages that stay resident until malloc_trim hands them back. Other C libraries
 * (musl, macOS) have neither call: there the stats are absent and the release does nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
#define HAVE_GLIBC_MALLOC 1
#endif

#include "job.h"
#include "module.h"
#include "thread_scratch.h"

/* Returns the allocator's figures in bytes (arena, mmapped, in use, free), or 0 when the allocator has none. */
static int malloc_figures(double out[4]) {
#if defined(HAVE_GLIBC_MALLOC) && __GLIBC_PREREQ(2, 33)
  struct mallinfo2 m = mallinfo2();
  /* An allocator put in glibc's place (AddressSanitizer's, a preloaded jemalloc) answers zeros: no figures then. */
  if (m.arena == 0 && m.hblkhd == 0) return 0;
  out[0] = (double)m.arena;
  out[1] = (double)m.hblkhd;
  out[2] = (double)m.uordblks + (double)m.hblkhd;
  out[3] = (double)m.fordblks;
  return 1;
#else
  (void)out;
  return 0;
#endif
}

/* mallocStats(): {arenaBytes, mmappedBytes, inUseBytes, freeBytes}, or null without glibc's allocator. */
static napi_value js_malloc_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (args_get(env, info, "mallocStats", 0, argv)) return NULL;
  double f[4];
  napi_value out, v;
  if (!malloc_figures(f)) {
    napi_get_null(env, &out);
    return out;
  }
  static const char *names[4] = {"arenaBytes", "mmappedBytes", "inUseBytes", "freeBytes"};
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  for (int i = 0; i < 4; i++) {
    if (napi_create_double(env, f[i], &v) != napi_ok || napi_set_named_property(env, out, names[i], v) != napi_ok) return NULL;
  }
  return out;
}

typedef struct {
  int released;
} trim_args_t;

static int run_trim(job_t *job) {
  trim_args_t *a = job->args;
#if defined(HAVE_GLIBC_MALLOC)
  /* Every arena, not only the top of the main heap: free pages in the middle go back too (MADV_DONTNEED). */
  a->released = malloc_trim(0);
#else
  a->released = 0;
#endif
  return 0;
}

static napi_value trim_result(napi_env env, job_t *job) {
  napi_value v;
  napi_get_boolean(env, ((trim_args_t *)job->args)->released != 0, &v);
  return v;
}

/*
 * releaseFreeMemory(): a promise of whether any memory went back to the system. On the pool: giving back tens of
 * megabytes takes milliseconds (each page is unmapped), which the event loop should not wait for.
 */
static napi_value js_release_free_memory(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (args_get(env, info, "releaseFreeMemory", 0, argv)) return NULL;
  trim_args_t *a = calloc(1, sizeof *a);
  job_t *job = a ? job_new(a, run_trim, trim_result) : NULL; /* job_new frees `a` when it fails */
  if (!job) {
    napi_throw_error(env, NULL, "releaseFreeMemory: out of memory");
    return NULL;
  }
  return job_submit(env, job, 1);
}

/* releaseIdleScratch(idleMs) → bytes freed: every thread's scratch idle that long (thread_scratch.h). */
static napi_value js_release_idle_scratch(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int64_t idle_ms;
  if (args_get(env, info, "releaseIdleScratch", 1, argv) || arg_int(env, argv[0], "idleMs", 0, INT64_C(1) << 40, &idle_ms))
    return NULL;
  napi_create_double(env, (double)thread_scratch_release_idle((uint64_t)idle_ms), &out);
  return out;
}

/*
 * releaseArrayBuffers(list) → bytes freed: each ArrayBuffer of `list` detached, which frees its memory now
 * instead of when V8 collects it (its views then read as empty). For buffers the caller alone holds and no job
 * uses any more: the decoded tiles of a map once its last kernel job has ended (layer/map-tiles.ts). Anything
 * that cannot be detached (not an ArrayBuffer, already detached, not detachable) is left as it is.
 */
static napi_value js_release_array_buffers(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  if (args_get(env, info, "releaseArrayBuffers", 1, argv)) return NULL;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "releaseArrayBuffers: list must be an array of ArrayBuffers");
    return NULL;
  }
  double freed = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    bool is_buffer = false, detached = true;
    void *data;
    size_t length = 0;
    if (napi_get_element(env, argv[0], i, &item) != napi_ok) return NULL;
    if (napi_is_arraybuffer(env, item, &is_buffer) != napi_ok || !is_buffer) continue;
    if (napi_is_detached_arraybuffer(env, item, &detached) != napi_ok || detached) continue;
    if (napi_get_arraybuffer_info(env, item, &data, &length) != napi_ok) continue;
    if (napi_detach_arraybuffer(env, item) == napi_ok) freed += (double)length;
    else {
      /* not detachable: no exception left pending for the caller */
      napi_value ignored;
      bool pending = false;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ignored);
    }
  }
  napi_create_double(env, freed, &out);
  return out;
}

static const kernel_export_t table[] = {
  {"releaseArrayBuffers", js_release_array_buffers},
  {"mallocStats", js_malloc_stats},
  {"releaseFreeMemory", js_release_free_memory},
  {"releaseIdleScratch", js_release_idle_scratch},
};

EXPORTS(memory) { return EXPORT_TABLE(table); }
