/*
 * The plain-record walk of the producer append path in C: the same checks, in the same order, as
 * walkPlainRecords in native-free-fallback/record-walk.ts (which says why each exists). Measured:
 * 0.7 us against 1.9 us for 100 records of 1 KiB, 10.8 against 20.5 us for 1000 of 100 bytes.
 * Varints decode with 32-bit wraparound, as Kafka's readVarint and the TypeScript walk do. Every
 * read is bounded by `end`, which addon.c has checked against the bytes' length.
 */
#include <math.h>
#include "addon.h"

/* Largest timestamp varlong walked here (four bytes, |delta| < 2^27 ms); longer ones are refused. */
#define FAST_VARLONG_BYTES_MAX 4
/* A varint is at most five bytes. */
#define VARINT_BYTES_MAX 5

/* The zigzag varint at *p (all of it before `limit`), moving *p past it; 0 when it runs out or is too long. */
static inline int varint_at(const unsigned char *bytes, size_t *p, size_t limit, int32_t *value) {
  uint32_t raw = 0;
  size_t at = *p;
  for (int shift = 0; shift < 7 * VARINT_BYTES_MAX; shift += 7) {
    if (at >= limit) return 0;
    unsigned b = bytes[at++];
    raw |= (uint32_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      *p = at;
      *value = (int32_t)((raw >> 1) ^ (0u - (raw & 1)));
      return 1;
    }
  }
  return 0;
}

double seglog_walk_plain_records(const unsigned char *bytes, size_t start, size_t end, int64_t count) {
  size_t next = start;
  int64_t max_delta = INT64_MIN;
  for (int64_t i = 0; i < count; i++) {
    /* Only the length chains one record to the next; the field checks below run off the chain, so
       the core overlaps them across records (the walk is bound by load latency, not work). */
    size_t p = next;
    int32_t length;
    if (!varint_at(bytes, &p, end, &length) || length < 0) return NAN;
    size_t record_end = p + (size_t)length;
    if (record_end > end) return NAN;
    next = record_end;
    p += 1; /* attributes */
    if (p > record_end) return NAN;
    uint32_t raw = 0;
    for (int shift = 0;; shift += 7) {
      if (p >= record_end || shift == 7 * FAST_VARLONG_BYTES_MAX) return NAN;
      unsigned b = bytes[p++];
      raw |= (uint32_t)(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    int64_t delta = (int32_t)((raw >> 1) ^ (0u - (raw & 1)));
    if (delta > max_delta) max_delta = delta;
    int32_t offset_delta;
    if (!varint_at(bytes, &p, record_end, &offset_delta) || offset_delta != i) return NAN;
    int32_t key_length;
    if (!varint_at(bytes, &p, record_end, &key_length) || key_length < -1) return NAN;
    if (key_length > 0) p += (size_t)key_length;
    if (p > record_end) return NAN;
    int32_t value_length;
    if (!varint_at(bytes, &p, record_end, &value_length) || value_length < -1) return NAN;
    if (value_length > 0) p += (size_t)value_length;
    if (p > record_end) return NAN;
    int32_t headers;
    if (!varint_at(bytes, &p, record_end, &headers) || headers < 0) return NAN;
    for (int32_t h = 0; h < headers; h++) {
      int32_t header_key_length;
      if (!varint_at(bytes, &p, record_end, &header_key_length) || header_key_length < 0) return NAN;
      p += (size_t)header_key_length;
      if (p > record_end) return NAN;
      int32_t header_value_length;
      if (!varint_at(bytes, &p, record_end, &header_value_length) || header_value_length < -1) return NAN;
      if (header_value_length > 0) p += (size_t)header_value_length;
      if (p > record_end) return NAN;
    }
    if (p != record_end) return NAN;
  }
  if (next != end) return NAN;
  return count == 0 ? -INFINITY : (double)max_delta;
}
