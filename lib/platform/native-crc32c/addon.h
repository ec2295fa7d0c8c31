/*
 * What the addon's C files share: the CRC-32C (crc32c.c) and the plain-record walk (record-walk.c),
 * called from the Node-API layer in addon.c. Neither touches JS values; addon.c checks every
 * argument before a pointer and a length reach them.
 */
#ifndef SEGLOG_ADDON_H
#define SEGLOG_ADDON_H

#include <stddef.h>
#include <stdint.h>

/* Builds the tables once (thread-safe); 1 where the CPU has the crc32 instruction, else 0. */
int seglog_crc32c_init(void);
/* 1 where runs are folded with VPCLMULQDQ (after init; SEGLOG_CRC32C_VECTOR=0 turns it off). */
int seglog_crc32c_vector_folding(void);
/* CRC-32C of len bytes continuing from `initial` (0 for a fresh CRC); only after init returned 1. */
uint32_t seglog_crc32c(uint32_t initial, const unsigned char *next, size_t len);

/*
 * Walks `count` plain (uncompressed) v2 records in bytes[start, end) with the checks of
 * walkPlainRecords in native-free-fallback/record-walk.ts. Returns the largest timestamp delta
 * (-infinity for no records), or NaN where that walk would refuse the bytes.
 */
double seglog_walk_plain_records(const unsigned char *bytes, size_t start, size_t end, int64_t count);

#endif
