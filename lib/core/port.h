/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Portability layer of the io-pagetable core.
 *
 * The files in lib/core/ use only what this header provides (plus fixed
 * width integer types, bool, size_t and errno names), so that the kernel
 * module can compile the very same sources against a kernel flavour of it.
 * Userspace flavour: port_user.h. Kernel flavour: kmod/port_kernel.h.
 */
#ifndef IODIRTY_CORE_PORT_H
#define IODIRTY_CORE_PORT_H

#ifdef __KERNEL__
#include "port_kernel.h"
#else
#include "port_user.h"
#endif

/* Helpers built only on the primitives above, shared by both flavours. */
#define iod_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define IOD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline bool iod_is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Index of the lowest set bit of a non-zero word. */
static inline unsigned int iod_ctz64(uint64_t x)
{
	return (unsigned int)__builtin_ctzll(x);
}

/* Index of the highest set bit of a non-zero word. */
static inline unsigned int iod_fls64(uint64_t x)
{
	return 63u - (unsigned int)__builtin_clzll(x);
}

/* Mask of bits [lo, hi) of a word, 0 <= lo < hi <= 64. */
static inline uint64_t iod_mask_range(unsigned int lo, unsigned int hi)
{
	uint64_t m = hi >= 64 ? ~0ULL : (1ULL << hi) - 1;

	return m & ~((1ULL << lo) - 1);
}

static inline uint64_t iod_min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t iod_max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

#endif /* IODIRTY_CORE_PORT_H */
