/*
 * A kernel call from JavaScript: arguments checked and unpacked on the JS thread, the pixel work run either
 * inline or as Node-API async work on the libuv pool (so a worker's event loop keeps answering while a map is
 * drawn), the result handed back as a value or a promise.
 *
 * Every buffer a job reads or writes is held by a reference until the job completes: JavaScript cannot free
 * it while a pool thread works on it. The kernels themselves are plain C (no Node-API) so they can be fuzzed
 * and benchmarked on their own.
 */
#ifndef KERNELS_JOB_H
#define KERNELS_JOB_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define JOB_MAX_REFS 8
#define JOB_ERROR_SIZE 200

typedef struct job job_t;

struct job {
  /* The work, on any thread: returns 0, or non-zero after writing a message into `error`. */
  int (*run)(job_t *job);
  /* The value handed to JavaScript, on the JS thread; NULL means undefined. */
  napi_value (*result)(napi_env env, job_t *job);
  /* Frees what `args` owns besides itself (may be NULL). */
  void (*release)(job_t *job);
  void *args;
  char error[JOB_ERROR_SIZE];

  napi_async_work work;
  napi_deferred deferred;
  napi_ref refs[JOB_MAX_REFS];
  int nrefs;
};

/* A new job for `args` (owned by the job from now on, freed with free()). NULL when out of memory. */
job_t *job_new(void *args, int (*run)(job_t *), napi_value (*result)(napi_env, job_t *));

/* Keeps a JS value alive until the job is done. Returns 0, or -1 with a pending JS exception. */
int job_hold(napi_env env, job_t *job, napi_value value);

/* Runs the job inline (async false: returns its result or throws) or on the pool (returns a promise). Frees the job. */
napi_value job_submit(napi_env env, job_t *job, int async);

/* Frees a job that was never submitted. */
void job_free(napi_env env, job_t *job);

/*
 * The usual end of a kernel's JS entry point: a job running `run` on `args` (which it owns from now on; `release`,
 * if any, frees what they own), the `nhold` JS values in `hold` kept alive when async, then job_submit. On any
 * failure everything is freed and NULL returned with a JS exception pending; `fn` names the function in it.
 */
napi_value job_start(napi_env env, const char *fn, void *args, int (*run)(job_t *), void (*release)(job_t *), int async,
                     const napi_value *hold, size_t nhold);

/* job_start for a job whose value is `result`'s (job_start's is undefined). */
napi_value job_start_result(napi_env env, const char *fn, void *args, int (*run)(job_t *), napi_value (*result)(napi_env, job_t *),
                            void (*release)(job_t *), int async, const napi_value *hold, size_t nhold);

/* ---- argument checking: each returns 0, or -1 after throwing a TypeError/RangeError that names the argument ---- */

typedef struct {
  uint8_t *data;
  size_t length;
} bytes_t;

/* A Buffer or any TypedArray, as bytes. */
int arg_bytes(napi_env env, napi_value v, const char *name, bytes_t *out);
/* An integer in [min, max]. */
int arg_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out);
/* A finite number. */
int arg_double(napi_env env, napi_value v, const char *name, double *out);
/* A Float64Array whose length is a multiple of `group`: its values and the number of groups. */
int arg_doubles(napi_env env, napi_value v, const char *name, size_t group, const double **out, size_t *n);
/* A boolean (anything else is false). */
int arg_bool(napi_env env, napi_value v, int *out);
/* Exactly `n` arguments, else a TypeError naming the function. */
int args_get(napi_env env, napi_callback_info info, const char *fn, size_t n, napi_value *argv);

/* Throws RangeError(`message`) and returns -1, for checks that relate several arguments. */
int throw_range(napi_env env, const char *message);

#endif
