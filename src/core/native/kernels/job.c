#include "job.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

job_t *job_new(void *args, int (*run)(job_t *), napi_value (*result)(napi_env, job_t *)) {
  job_t *job = calloc(1, sizeof(job_t));
  if (!job) {
    free(args);
    return NULL;
  }
  job->args = args;
  job->run = run;
  job->result = result;
  return job;
}

int job_hold(napi_env env, job_t *job, napi_value value) {
  if (job->nrefs >= JOB_MAX_REFS) {
    napi_throw_error(env, NULL, "kernel job: too many buffers");
    return -1;
  }
  if (napi_create_reference(env, value, 1, &job->refs[job->nrefs]) != napi_ok) return -1;
  job->nrefs++;
  return 0;
}

void job_free(napi_env env, job_t *job) {
  if (!job) return;
  for (int i = 0; i < job->nrefs; i++) napi_delete_reference(env, job->refs[i]);
  if (job->release) job->release(job);
  free(job->args);
  free(job);
}

napi_value job_start(napi_env env, const char *fn, void *args, int (*run)(job_t *), void (*release)(job_t *), int async,
                     const napi_value *hold, size_t nhold) {
  return job_start_result(env, fn, args, run, NULL, release, async, hold, nhold);
}

napi_value job_start_result(napi_env env, const char *fn, void *args, int (*run)(job_t *), napi_value (*result)(napi_env, job_t *),
                            void (*release)(job_t *), int async, const napi_value *hold, size_t nhold) {
  job_t *job = job_new(NULL, run, result);
  if (!job) {
    job_t unsent = {.args = args};
    if (release) release(&unsent);
    free(args);
    char msg[120];
    snprintf(msg, sizeof msg, "%s: out of memory", fn);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  job->args = args;
  job->release = release;
  for (size_t i = 0; async && i < nhold; i++) {
    if (job_hold(env, job, hold[i])) {
      job_free(env, job);
      return NULL;
    }
  }
  return job_submit(env, job, async);
}

static napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value error_value(napi_env env, const char *message) {
  napi_value msg, err;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &err);
  return err;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  if (job->run(job) != 0 && job->error[0] == 0) snprintf(job->error, sizeof job->error, "kernel failed");
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  if (status != napi_ok) {
    napi_reject_deferred(env, job->deferred, error_value(env, "kernel job cancelled"));
  } else if (job->error[0]) {
    napi_reject_deferred(env, job->deferred, error_value(env, job->error));
  } else {
    napi_value v = job->result ? job->result(env, job) : NULL;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_reject_deferred(env, job->deferred, exc);
    } else {
      napi_resolve_deferred(env, job->deferred, v ? v : undefined_value(env));
    }
  }
  napi_delete_async_work(env, job->work);
  job_free(env, job);
}

napi_value job_submit(napi_env env, job_t *job, int async) {
  if (!async) {
    job->run(job);
    napi_value v = NULL;
    if (job->error[0]) napi_throw_error(env, NULL, job->error);
    else if (job->result) v = job->result(env, job);
    job_free(env, job);
    return v ? v : undefined_value(env);
  }
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    job_free(env, job);
    return NULL;
  }
  napi_create_string_utf8(env, "pixel-kernel", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_reject_deferred(env, job->deferred, error_value(env, "could not queue kernel job"));
    job_free(env, job);
  }
  return promise;
}

int throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "ERR_KERNEL_ARGUMENT", message);
  return -1;
}

static int throw_type(napi_env env, const char *name, const char *expected) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s must be %s", name, expected);
  napi_throw_type_error(env, "ERR_KERNEL_ARGUMENT", msg);
  return -1;
}

int arg_bytes(napi_env env, napi_value v, const char *name, bytes_t *out) {
  bool is = false;
  napi_is_buffer(env, v, &is);
  if (is) {
    void *data;
    size_t len;
    if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) return throw_type(env, name, "a Buffer");
    out->data = data;
    out->length = len;
    return 0;
  }
  napi_is_typedarray(env, v, &is);
  if (!is) return throw_type(env, name, "a Buffer or TypedArray");
  napi_typedarray_type type;
  size_t count, offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &count, &data, &ab, &offset) != napi_ok) return throw_type(env, name, "a TypedArray");
  size_t size = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: size = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: size = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: size = 8; break;
    default: size = 1;
  }
  out->data = data;
  out->length = count * size;
  return 0;
}

int arg_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return throw_type(env, name, "a number");
  if (!(d >= (double)min && d <= (double)max) || floor(d) != d) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s must be an integer in [%lld, %lld], got %g", name, (long long)min, (long long)max, d);
    return throw_range(env, msg);
  }
  *out = (int64_t)d;
  return 0;
}

int arg_double(napi_env env, napi_value v, const char *name, double *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return throw_type(env, name, "a number");
  if (!isfinite(d)) return throw_type(env, name, "a finite number");
  *out = d;
  return 0;
}

int arg_doubles(napi_env env, napi_value v, const char *name, size_t group, const double **out, size_t *n) {
  bool is = false;
  napi_typedarray_type type;
  size_t count;
  void *data;
  napi_is_typedarray(env, v, &is);
  if (!is || napi_get_typedarray_info(env, v, &type, &count, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s must be a Float64Array", name);
    napi_throw_type_error(env, "ERR_KERNEL_ARGUMENT", msg);
    return -1;
  }
  if (count % group) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: length %zu is not a multiple of %zu", name, count, group);
    return throw_range(env, msg);
  }
  *out = data;
  *n = count / group;
  return 0;
}

int arg_bool(napi_env env, napi_value v, int *out) {
  bool b = false;
  if (napi_get_value_bool(env, v, &b) != napi_ok) b = false;
  *out = b;
  return 0;
}

int args_get(napi_env env, napi_callback_info info, const char *fn, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  if (argc != n) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s expects %zu arguments, got %zu", fn, n, argc);
    napi_throw_type_error(env, "ERR_KERNEL_ARGUMENT", msg);
    return -1;
  }
  return 0;
}
