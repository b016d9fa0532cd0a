// SPDX-License-Identifier: MIT
/*
 * The uAPI fuzzer's argument values: IDs, IOVAs, lengths, page sizes,
 * user pointers, counts and flags, valid-ish unless the call is wild (then
 * anything, now and then), and the input vectors they fill.
 */
#include "fuzz_uapi.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

uint64_t fz_rand(uint64_t *s)
{
	/* splitmix64: any seed, including 0, gives a full-period stream. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t fz_below(uint64_t *s, uint64_t n)
{
	return fz_rand(s) % n;
}

bool fz_one_in(uint64_t *s, uint64_t n)
{
	return fz_below(s, n) == 0;
}

static uint64_t arena_page(struct fz_worker *w)
{
	return (uintptr_t)w->fz->arena + fz_below(&w->rng, FZ_ARENA_PAGES) * FZ_PAGE;
}

/* An ID of @pool; the call then goes to the fd it came from. */
static uint32_t pick_id(struct fz_worker *w, _Atomic uint64_t *pool)
{
	uint64_t v = atomic_load_explicit(&pool[fz_below(&w->rng, FZ_NIDS)],
					  memory_order_relaxed);

	if (!w->wild)
		w->slot = (unsigned int)(v >> 32) & 1;
	return (uint32_t)v;
}

uint32_t fz_pick_ioas(struct fz_worker *w)
{
	switch (w->wild ? fz_below(&w->rng, 16) : 15) {
	case 0:
		return (uint32_t)fz_rand(&w->rng);
	case 1:
		return (uint32_t)fz_below(&w->rng, 64);
	default:
		return pick_id(w, w->fz->ioas);
	}
}

uint64_t fz_pick_iova(struct fz_worker *w)
{
	uint64_t *s = &w->rng;

	switch (w->wild ? fz_below(s, 16) : 15) {
	case 0:
		return fz_rand(s);
	case 1:
		return fz_below(s, FZ_IOVA_WINDOW) | 1;
	case 2:
		return 0 - (1 + fz_below(s, 4)) * FZ_PAGE;
	case 3:
		return 1ULL << fz_below(s, 64);
	default:
		return fz_below(s, FZ_IOVA_WINDOW / FZ_PAGE) * FZ_PAGE;
	}
}

uint64_t fz_pick_len(struct fz_worker *w)
{
	uint64_t *s = &w->rng;

	switch (w->wild ? fz_below(s, 16) : 15) {
	case 0:
		return 0;
	case 1:
		return fz_rand(s);
	case 2:
		return 1 + fz_below(s, 8 * FZ_PAGE);
	case 3:
		return 1ULL << fz_below(s, 64);
	default:
		return (1 + fz_below(s, 32)) * FZ_PAGE;
	}
}

uint64_t fz_pick_page_size(struct fz_worker *w)
{
	uint64_t *s = &w->rng;

	switch (w->wild ? fz_below(s, 16) : 15) {
	case 0:
		return fz_rand(s);
	case 1:
		return 0;
	case 2:
		return 3 * FZ_PAGE;
	case 3:
		return 2UL << 20;
	default:
		return FZ_PAGE << fz_below(s, 4);
	}
}

/*
 * A range to work on: in a valid-ish call, mostly part of a range that
 * IOAS_MAP mapped; then, if @ioas is not NULL, in the io-pagetable and on
 * the fd it was mapped in.
 */
void fz_pick_range(struct fz_worker *w, __u32 *ioas, __u64 *iova, __u64 *len)
{
	uint64_t *s = &w->rng;
	uint64_t m = atomic_load_explicit(&w->fz->mapped[fz_below(s, FZ_NIDS)],
					  memory_order_relaxed);
	uint64_t pages = m >> 48, skip;

	if (w->wild || !pages || fz_one_in(s, 4)) {
		*iova = fz_pick_iova(w);
		*len = fz_pick_len(w);
		return;
	}
	skip = fz_below(s, pages);
	*iova = ((m >> 33) & 0x7fff) * FZ_PAGE + skip * FZ_PAGE;
	*len = (1 + fz_below(s, pages - skip)) * FZ_PAGE;
	if (ioas) {
		*ioas = (uint32_t)m;
		w->slot = (unsigned int)(m >> 32) & 1;
	}
}

/* Aligns a valid-ish range to @page_size, as bitmap reads want it. */
void fz_align_range(struct fz_worker *w, __u64 *iova, __u64 *len,
			uint64_t page_size)
{
	uint64_t end = *iova + *len;

	if (w->wild || !page_size || page_size & (page_size - 1))
		return;
	*iova &= ~(page_size - 1);
	end = (end + page_size - 1) & ~(page_size - 1);
	*len = end - *iova;
}

/* A pointer to memory the kernel reads or pins as user memory. */
uint64_t fz_pick_uva(struct fz_worker *w)
{
	uint64_t *s = &w->rng;

	switch (w->wild ? fz_below(s, 24) : 23) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)w->fz->ro;
	case 2:
		return FZ_KERNEL_PTR;
	case 3:
		return (uintptr_t)w->fz->arena + fz_below(s, FZ_ARENA_BYTES);
	case 4:
		return fz_rand(s);
	default:
		return arena_page(w);
	}
}

/* A pointer the kernel writes an array or bitmap to. */
uint64_t fz_pick_out(struct fz_worker *w)
{
	uint64_t *s = &w->rng;

	uint64_t pick = w->wild ? fz_below(s, 16) : 15;

	/* Read-only output even in a valid-ish call: one in 16. */
	if (!w->wild && fz_one_in(s, 16))
		pick = 1;
	switch (pick) {
	case 0:
		return 0;
	case 1:
	case 2:
		/* Output in read-only memory. */
		return (uintptr_t)w->fz->ro + fz_below(s, FZ_RO_PAGES * FZ_PAGE / 8) * 8;
	case 3:
		return FZ_KERNEL_PTR;
	case 4:
		return arena_page(w) + 1 + fz_below(s, 7);
	case 5:
		/* Runs off the arena's end into the guard. */
		return (uintptr_t)w->fz->arena + FZ_ARENA_BYTES - 8 * (1 + fz_below(s, 4));
	default:
		return arena_page(w) + fz_below(s, FZ_PAGE / 8) * 8;
	}
}

/* A pointer the kernel reads an input array from; @valid holds one. */
uint64_t fz_pick_in(struct fz_worker *w, const void *valid)
{
	uint64_t *s = &w->rng;

	switch (w->wild ? fz_below(s, 16) : 15) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)w->fz->ro;
	case 2:
		return FZ_KERNEL_PTR;
	case 3:
	case 4:
		/* Whatever the arena holds, as it changes under the call. */
		return (uintptr_t)w->fz->arena + fz_below(s, FZ_ARENA_BYTES / 8) * 8;
	default:
		return (uintptr_t)valid;
	}
}

/* Entries of an input or output array: mostly few, rarely absurd. */
uint64_t fz_pick_count(struct fz_worker *w, uint64_t few)
{
	uint64_t *s = &w->rng;

	switch (w->wild ? fz_below(s, 32) : 31) {
	case 0:
		return 0;
	case 1:
		return fz_rand(s);
	case 2:
		return (uint32_t)fz_rand(s) >> fz_below(s, 32);
	default:
		return 1 + fz_below(s, few);
	}
}

uint32_t fz_map_flags(struct fz_worker *w)
{
	if (w->wild && fz_one_in(&w->rng, 16))
		return (uint32_t)fz_rand(&w->rng);
	return 1 + (uint32_t)fz_below(&w->rng, 3);
}

/* Random flags among the command's @nbits, or anything now and then. */
uint32_t fz_some_flags(struct fz_worker *w, unsigned int nbits)
{
	if (w->wild && fz_one_in(&w->rng, 16))
		return (uint32_t)fz_rand(&w->rng);
	return (uint32_t)fz_below(&w->rng, 1ULL << nbits);
}

void fz_fill_map_segs(struct fz_worker *w, uint64_t n)
{
	for (uint64_t i = 0; i < n && i < N_OF(w->scratch.map_segs); i++) {
		w->scratch.map_segs[i] = (struct iodirty_map_vec_seg){
			.iova = fz_pick_iova(w),
			.user_va = fz_pick_uva(w),
			.length = fz_pick_len(w),
			.flags = fz_map_flags(w),
			.__reserved = fz_one_in(&w->rng, 64),
		};
	}
}

/* Pairs of (iova, length), the layout of unmap segments and extents. */
void fz_fill_ranges(struct fz_worker *w, uint64_t n)
{
	for (uint64_t i = 0; i < n && i < N_OF(w->scratch.pairs); i++) {
		fz_pick_range(w, NULL, &w->scratch.pairs[i][0], &w->scratch.pairs[i][1]);
	}
}

void fz_fill_dma_segs(struct fz_worker *w, uint64_t n)
{
	for (uint64_t i = 0; i < n && i < N_OF(w->scratch.dma_segs); i++) {
		w->scratch.dma_segs[i] = (struct iodirty_dma_vec){
			.data = fz_pick_uva(w),
		};
		fz_pick_range(w, NULL, &w->scratch.dma_segs[i].iova,
			   &w->scratch.dma_segs[i].length);
	}
}

void fz_fill_bits(struct fz_worker *w)
{
	for (size_t i = 0; i < N_OF(w->scratch.words); i++)
		w->scratch.words[i] = fz_rand(&w->rng) & fz_rand(&w->rng);
}
