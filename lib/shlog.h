/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The shared dirty log: the layout of the memory a VMM and one device
 * process share, the device's mark and the VMM's take.
 *
 * The memory holds no pointer, only a header and bits. Level 0 has one bit
 * per granule of the window; each level above has one bit per 64-bit word
 * of the level below, up to a level of one word. A mark sets its word at
 * level 0, then the bit of every level above, bottom-up; the take exchanges
 * words top-down and descends only from bits it took. With every access
 * sequentially consistent, a mark that returned before a take began is
 * found by it, and a bit that is still set after a take has its whole path
 * set (a take that clears a summary bit descends and takes the word below).
 *
 * The VMM never reads the header back: its own struct iod_shlog_geo says
 * where everything is, and every index it reads from the shared words is
 * checked against it, so a writer that scribbles over the whole region can
 * only make the VMM take bits, never read or write outside it.
 */
#ifndef IODIRTY_SHLOG_H
#define IODIRTY_SHLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2^52 granules of 4 KiB need 9 levels (46 bits of words, 6 a level). */
#define IOD_SHLOG_MAX_LEVELS	10
#define IOD_SHLOG_HDR_SIZE	4096u
#define IOD_SHLOG_MAGIC		0x31474f4c53444f49ULL	/* "IODSLOG1" */
#define IOD_SHLOG_VERSION	1u

/* The first bytes of the region, for the device's import. */
struct iod_shlog_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t granule_shift;
	uint64_t iova;			/* the window, in bytes */
	uint64_t length;
	uint64_t size;			/* of the region, in bytes */
	uint32_t levels;
	uint32_t __pad;
	uint64_t off[IOD_SHLOG_MAX_LEVELS];	/* of each level's words */
};

/* Where everything is: computed from the window, never read back. */
struct iod_shlog_geo {
	uint64_t iova;
	uint64_t granules;		/* bits at level 0 */
	uint32_t granule_shift;
	uint32_t levels;
	uint64_t words[IOD_SHLOG_MAX_LEVELS];
	uint64_t off[IOD_SHLOG_MAX_LEVELS];
	uint64_t size;
};

/*
 * The geometry of a window of @length bytes at @iova, both multiples of
 * 1 << @granule_shift, @length > 0. Returns 0, or -EOVERFLOW when the
 * region's size does not fit in 64 bits.
 */
int iod_shlog_geo_init(struct iod_shlog_geo *g, uint64_t iova,
		       uint64_t length, uint32_t granule_shift);

/* Writes the header of a fresh (zeroed) region. */
void iod_shlog_hdr_fill(void *base, const struct iod_shlog_geo *g);

/*
 * The geometry a header describes, checked: same magic and version, a
 * window that recomputes to the same offsets, and a size of @size bytes.
 * Returns 0 or -EINVAL.
 */
int iod_shlog_geo_from_hdr(struct iod_shlog_geo *g, const void *base,
			   uint64_t size);

/* Marks granules [@first, @end) of the window; @end <= g->granules. */
void iod_shlog_mark(void *base, const struct iod_shlog_geo *g,
		    uint64_t first, uint64_t end);

/*
 * What a take asks its caller. It asks in two streams, each in ascending
 * order on its own: the ranges below summary bits of level 2 and up, as it
 * descends; and the level-0 words, each asked just before its runs, later
 * (they wait in a batch so that their misses overlap).
 */
struct iod_shlog_take_ops {
	/*
	 * Does the caller want granules [first, end), a range of 64^l
	 * granules (l >= 2) below a summary bit? A range it does not want is
	 * cleared without reading the words below it, so that bits a writer
	 * set over ranges nobody reads cost nothing (and allocate none of the
	 * file's pages).
	 */
	bool (*want_range)(void *arg, uint64_t first, uint64_t end);
	/* Does it want level-0 word [first, first + 64)? The same. */
	bool (*want_word)(void *arg, uint64_t first, uint64_t end);
	/*
	 * Each run of set granules of a wanted word, ascending; runs never
	 * span two words.
	 */
	void (*run)(void *arg, uint64_t first, uint64_t n);
};

/*
 * Takes the set bits, top-down, as @ops says. Bits past the window are
 * dropped. Each word is exchanged at most once a take, whatever the
 * region holds: the time is bounded by the region's size, and by what the
 * caller wants. Ends with a full fence, so that what the caller reads next
 * (the pages) is read after the bits were taken. Returns the number of
 * granules taken.
 */
uint64_t iod_shlog_take(void *base, const struct iod_shlog_geo *g,
			const struct iod_shlog_take_ops *ops, void *arg);

#endif /* IODIRTY_SHLOG_H */
