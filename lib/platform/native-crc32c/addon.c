/*
 * seglog's native addon, the Node-API layer: checks every argument, then calls the C that does the
 * work (crc32c.c, record-walk.c). An argument that breaks the contract is a TypeError or RangeError
 * with a code, never a read outside the bytes.
 *
 * JS contract (lib/platform/native.ts):
 *   crc32c(bytes: Uint8Array, start, end, initial)  the CRC-32C of bytes[start, end) continuing from
 *       `initial` (0 for a fresh CRC), as an unsigned 32-bit number.
 *   walkPlainRecords(bytes: Uint8Array, start, end, count)  the largest timestamp delta of the
 *       `count` plain records in bytes[start, end) (-Infinity for none), NaN where the TypeScript
 *       walk would refuse them (native-free-fallback/record-walk.ts).
 *   hardwareSupport  false where the CPU (or this build's architecture) has no crc32 instruction;
 *       the loader then uses none of this addon.
 *   vectorFolding  whether crc32c folds long runs with VPCLMULQDQ (crc32c.c).
 */
#include <node_api.h>
#include <stdio.h>
#include "addon.h"

/* Reads `value` as a whole number in [0, max]; throws a RangeError with `code` and returns -1 otherwise. */
static int64_t whole_arg(napi_env env, napi_value value, int64_t max, const char *fn, const char *name, const char *code,
                         const char *within) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok || !(number >= 0) || number > (double)max ||
      number != (double)(int64_t)number) {
    char message[112];
    snprintf(message, sizeof message, "%s: %s is not a whole number %s", fn, name, within);
    napi_throw_range_error(env, code, message);
    return -1;
  }
  return (int64_t)number;
}

/* How a call names itself in its errors: the function, its usage and its two error codes. */
struct call_names {
  const char *fn;
  const char *usage;
  const char *args_code;
  const char *range_code;
};

/*
 * The four arguments of a call: argv[0] a Uint8Array, argv[1..2] a range inside it (argv[3] is the
 * caller's). False, with an error thrown, for any other shape.
 */
static int range_call(napi_env env, napi_callback_info info, const struct call_names *names, napi_value argv[4],
                      const unsigned char **data, int64_t *start, int64_t *end) {
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc != 4) {
    napi_throw_type_error(env, names->args_code, names->usage);
    return 0;
  }
  napi_typedarray_type type;
  size_t length;
  void *raw;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &raw, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char message[64];
    snprintf(message, sizeof message, "%s: bytes must be a Uint8Array", names->fn);
    napi_throw_type_error(env, names->args_code, message);
    return 0;
  }
  *end = whole_arg(env, argv[2], (int64_t)length, names->fn, "end", names->range_code, "within the bytes");
  if (*end < 0) return 0;
  *start = whole_arg(env, argv[1], *end, names->fn, "start", names->range_code, "within the bytes");
  if (*start < 0) return 0;
  *data = (const unsigned char *)raw;
  return 1;
}

static const struct call_names CRC32C_CALL = {"crc32c", "crc32c: expected (bytes, start, end, initial)", "ERR_SEGLOG_CRC32C_ARGS",
                                              "ERR_SEGLOG_CRC32C_RANGE"};

static napi_value crc32c(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const unsigned char *data;
  int64_t start;
  int64_t end;
  if (!range_call(env, info, &CRC32C_CALL, argv, &data, &start, &end)) return NULL;
  uint32_t initial;
  if (napi_get_value_uint32(env, argv[3], &initial) != napi_ok) {
    napi_throw_type_error(env, "ERR_SEGLOG_CRC32C_ARGS", "crc32c: initial must be a number");
    return NULL;
  }
  uint32_t crc = end > start ? seglog_crc32c(initial, data + start, (size_t)(end - start)) : initial;
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

/* Records in a batch never number more than this (a v2 count is an int32). */
#define RECORD_COUNT_MAX 2147483647

static const struct call_names WALK_CALL = {"walkPlainRecords", "walkPlainRecords: expected (bytes, start, end, count)",
                                            "ERR_SEGLOG_RECORD_WALK_ARGS", "ERR_SEGLOG_RECORD_WALK_RANGE"};

static napi_value walk_plain_records(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const unsigned char *data;
  int64_t start;
  int64_t end;
  if (!range_call(env, info, &WALK_CALL, argv, &data, &start, &end)) return NULL;
  int64_t count = whole_arg(env, argv[3], RECORD_COUNT_MAX, "walkPlainRecords", "count", "ERR_SEGLOG_RECORD_WALK_RANGE",
                            "of records");
  if (count < 0) return NULL;
  napi_value result;
  napi_create_double(env, seglog_walk_plain_records(data, (size_t)start, (size_t)end, count), &result);
  return result;
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static void export_boolean(napi_env env, napi_value exports, const char *name, int value) {
  napi_value flag;
  napi_get_boolean(env, value != 0, &flag);
  napi_set_named_property(env, exports, name, flag);
}

NAPI_MODULE_INIT() {
  int supported = seglog_crc32c_init();
  export_boolean(env, exports, "hardwareSupport", supported);
  export_boolean(env, exports, "vectorFolding", supported && seglog_crc32c_vector_folding());
  export_function(env, exports, "crc32c", crc32c);
  export_function(env, exports, "walkPlainRecords", walk_plain_records);
  return exports;
}
