// SPDX-License-Identifier: MIT
/*
 * The uAPI fuzzer's calls: one random ioctl of a random command, its
 * argument built valid-ish (IDs that exist, ranges that are mapped, user
 * memory in the shared arena: fuzz_pick.c) and then, now and then,
 * corrupted:
 * a flipped bit, a wrong size with or without non-zero bytes past the
 * struct, random flags, reserved fields, IDs, lengths and pointers, or
 * the argument itself read-only, inaccessible or NULL.
 */
#include "fuzz_uapi.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/iodirty.h>

/* Room for every argument struct and a tail of extra bytes after it. */
union fz_arg {
	uint8_t b[512];
	uint64_t align;
	struct iodirty_info info;
	struct iodirty_destroy destroy;
	struct iodirty_ioas_alloc alloc;
	struct iodirty_ioas_map map;
	struct iodirty_ioas_unmap unmap;
	struct iodirty_ioas_translate translate;
	struct iodirty_ioas_iova_ranges ranges;
	struct iodirty_ioas_reserve reserve;
	struct iodirty_set_dirty_tracking tracking;
	struct iodirty_get_dirty_bitmap bitmap;
	struct iodirty_dma_rw dma;
	struct iodirty_ioas_stats stats;
	struct iodirty_dma_rwv dmav;
	struct iodirty_sg_get sg_get;
	struct iodirty_sg_put sg_put;
	struct iodirty_ioas_mappings mappings;
	struct iodirty_get_dirty_extents extents;
	struct iodirty_set_dirty set_dirty;
	struct iodirty_ioas_map_vec map_vec;
	struct iodirty_ioas_unmap_vec unmap_vec;
};


static const char *const cmd_names[FZ_NCMDS + 1] = {
	"GET_INFO", "DESTROY", "IOAS_ALLOC", "IOAS_MAP", "IOAS_UNMAP",
	"IOAS_TRANSLATE", "IOAS_IOVA_RANGES", "IOAS_RESERVE",
	"SET_DIRTY_TRACKING", "GET_DIRTY_BITMAP", "DMA_RW", "IOAS_STATS",
	"DMA_RWV", "SG_GET", "SG_PUT", "IOAS_MAPPINGS", "GET_DIRTY_EXTENTS",
	"SET_DIRTY", "IOAS_MAP_VEC", "IOAS_UNMAP_VEC", "(no command)",
};

const char *fz_cmd_name(unsigned int c)
{
	return c <= FZ_NCMDS ? cmd_names[c] : "?";
}

/* Builds command @c's argument in @a; returns its size. */
static size_t build(struct fz_worker *w, unsigned int c, union fz_arg *a)
{
	uint64_t *s = &w->rng;
	__u64 len;

	switch (c) {
	case 0:
		a->info = (struct iodirty_info){ .size = sizeof(a->info) };
		return sizeof(a->info);
	case 1:
		a->destroy = (struct iodirty_destroy){
			.size = sizeof(a->destroy), .id = fz_pick_ioas(w),
		};
		return sizeof(a->destroy);
	case 2:
		a->alloc = (struct iodirty_ioas_alloc){
			.size = sizeof(a->alloc),
			.flags = fz_some_flags(w, 1),
			.iova_bits = fz_one_in(s, 2) ? 0 : 20 + (uint32_t)fz_below(s, 45),
			.granule_shift = fz_one_in(s, 2) ? 0 : 12 + (uint32_t)fz_below(s, 12),
			.hw_split = (uint32_t)fz_below(s, 3),
		};
		return sizeof(a->alloc);
	case 3:
		a->map = (struct iodirty_ioas_map){
			.size = sizeof(a->map), .flags = fz_map_flags(w),
			.ioas_id = fz_pick_ioas(w), .user_va = fz_pick_uva(w),
			.length = fz_pick_len(w), .iova = fz_pick_iova(w),
		};
		return sizeof(a->map);
	case 4:
		a->unmap = (struct iodirty_ioas_unmap){
			.size = sizeof(a->unmap), .flags = fz_some_flags(w, 2),
			.ioas_id = fz_pick_ioas(w),
		};
		fz_pick_range(w, &a->unmap.ioas_id, &a->unmap.iova, &a->unmap.length);
		if (a->unmap.flags & IODIRTY_UNMAP_DIRTY_BITMAP || fz_one_in(s, 16)) {
			a->unmap.page_size = fz_pick_page_size(w);
			a->unmap.dirty_bitmap = fz_pick_out(w);
		}
		return sizeof(a->unmap);
	case 5:
		a->translate = (struct iodirty_ioas_translate){
			.size = sizeof(a->translate), .ioas_id = fz_pick_ioas(w),
		};
		fz_pick_range(w, &a->translate.ioas_id, &a->translate.iova, &len);
		return sizeof(a->translate);
	case 6:
		a->ranges = (struct iodirty_ioas_iova_ranges){
			.size = sizeof(a->ranges), .flags = fz_some_flags(w, 1),
			.ioas_id = fz_pick_ioas(w),
			.num_ranges = (uint32_t)fz_pick_count(w, 8),
			.ranges = fz_pick_out(w),
			.entry_size = fz_one_in(s, 4) ? (uint32_t)fz_below(s, 64) :
				sizeof(struct iodirty_iova_range),
		};
		return sizeof(a->ranges);
	case 7:
		a->reserve = (struct iodirty_ioas_reserve){
			.size = sizeof(a->reserve), .flags = fz_some_flags(w, 1),
			.ioas_id = fz_pick_ioas(w), .type = (uint32_t)fz_below(s, 4),
			.iova = fz_pick_iova(w), .length = fz_pick_len(w),
		};
		return sizeof(a->reserve);
	case 8:
		a->tracking = (struct iodirty_set_dirty_tracking){
			.size = sizeof(a->tracking), .flags = fz_some_flags(w, 1),
			.ioas_id = fz_pick_ioas(w),
		};
		return sizeof(a->tracking);
	case 9:
		a->bitmap = (struct iodirty_get_dirty_bitmap){
			.size = sizeof(a->bitmap), .flags = fz_some_flags(w, 3),
			.ioas_id = fz_pick_ioas(w),
			.page_size = fz_pick_page_size(w), .data = fz_pick_out(w),
		};
		fz_pick_range(w, &a->bitmap.ioas_id, &a->bitmap.iova, &a->bitmap.length);
		if (a->bitmap.flags & IODIRTY_DIRTY_UADDR)
			a->bitmap.iova = fz_pick_uva(w);
		fz_align_range(w, &a->bitmap.iova, &a->bitmap.length,
			    a->bitmap.page_size);
		return sizeof(a->bitmap);
	case 10:
		a->dma = (struct iodirty_dma_rw){
			.size = sizeof(a->dma), .flags = fz_some_flags(w, 2),
			.ioas_id = fz_pick_ioas(w), .data = fz_pick_uva(w),
		};
		fz_pick_range(w, &a->dma.ioas_id, &a->dma.iova, &a->dma.length);
		if (!w->wild && a->dma.flags & IODIRTY_DMA_MARK_ONLY) {
			a->dma.flags |= IODIRTY_DMA_WRITE;
			a->dma.data = 0;
		}
		return sizeof(a->dma);
	case 11:
		a->stats = (struct iodirty_ioas_stats){
			.size = sizeof(a->stats), .ioas_id = fz_pick_ioas(w),
		};
		return sizeof(a->stats);
	case 12:
		a->dmav = (struct iodirty_dma_rwv){
			.size = sizeof(a->dmav), .flags = fz_some_flags(w, 1),
			.ioas_id = fz_pick_ioas(w),
			.num_segs = (uint32_t)fz_pick_count(w, 8),
		};
		fz_fill_dma_segs(w, a->dmav.num_segs);
		a->dmav.segs = fz_pick_in(w, &w->scratch);
		return sizeof(a->dmav);
	case 13:
		a->sg_get = (struct iodirty_sg_get){
			.size = sizeof(a->sg_get), .flags = fz_some_flags(w, 1),
			.ioas_id = fz_pick_ioas(w),
			.num_pieces = (uint32_t)fz_pick_count(w, 16),
			.pieces = fz_pick_out(w),
		};
		fz_pick_range(w, &a->sg_get.ioas_id, &a->sg_get.iova, &a->sg_get.length);
		return sizeof(a->sg_get);
	case 14:
		a->sg_put = (struct iodirty_sg_put){
			.size = sizeof(a->sg_put), .ioas_id = fz_pick_ioas(w),
			.hold_id = (uint32_t)fz_below(s, 64),
			.written = fz_one_in(s, 2) ? 0 : fz_pick_len(w),
		};
		if (!w->wild) {
			/* A hold SG_GET gave, with its io-pagetable and fd. */
			uint64_t v = atomic_load_explicit(&w->fz->holds[fz_below(s, FZ_NIDS)],
							  memory_order_relaxed);

			a->sg_put.ioas_id = (uint32_t)v;
			a->sg_put.hold_id = (uint32_t)(v >> 40);
			w->slot = (unsigned int)(v >> 32) & 1;
		}
		return sizeof(a->sg_put);
	case 15:
		a->mappings = (struct iodirty_ioas_mappings){
			.size = sizeof(a->mappings), .ioas_id = fz_pick_ioas(w),
			.num_entries = (uint32_t)fz_pick_count(w, 16),
			.iova = fz_pick_iova(w), .entries = fz_pick_out(w),
		};
		return sizeof(a->mappings);
	case 16:
		a->extents = (struct iodirty_get_dirty_extents){
			.size = sizeof(a->extents), .flags = fz_some_flags(w, 2),
			.ioas_id = fz_pick_ioas(w),
			.nr_extents = (uint32_t)fz_pick_count(w, 16),
			.page_size = fz_pick_page_size(w),
			.extents = fz_pick_out(w),
		};
		fz_pick_range(w, &a->extents.ioas_id, &a->extents.iova, &a->extents.length);
		if (a->extents.flags & IODIRTY_DIRTY_UADDR)
			a->extents.iova = fz_pick_uva(w);
		fz_align_range(w, &a->extents.iova, &a->extents.length,
			    a->extents.page_size);
		return sizeof(a->extents);
	case 17:
		a->set_dirty = (struct iodirty_set_dirty){
			.size = sizeof(a->set_dirty), .flags = fz_some_flags(w, 2),
			.ioas_id = fz_pick_ioas(w),
		};
		if (a->set_dirty.flags & IODIRTY_SET_DIRTY_EXTENTS) {
			a->set_dirty.nr_extents = fz_pick_count(w, 8);
			fz_fill_ranges(w, a->set_dirty.nr_extents);
		} else {
			fz_pick_range(w, &a->set_dirty.ioas_id, &a->set_dirty.iova, &a->set_dirty.length);
			if (a->set_dirty.flags & IODIRTY_SET_DIRTY_UADDR)
				a->set_dirty.iova = fz_pick_uva(w);
			a->set_dirty.page_size = fz_pick_page_size(w);
			fz_align_range(w, &a->set_dirty.iova, &a->set_dirty.length,
				    a->set_dirty.page_size);
			fz_fill_bits(w);
		}
		a->set_dirty.data = fz_pick_in(w, &w->scratch);
		return sizeof(a->set_dirty);
	case 18:
		a->map_vec = (struct iodirty_ioas_map_vec){
			.size = sizeof(a->map_vec), .ioas_id = fz_pick_ioas(w),
			.num_segs = fz_pick_count(w, 8),
		};
		fz_fill_map_segs(w, a->map_vec.num_segs);
		a->map_vec.segs = fz_pick_in(w, &w->scratch);
		return sizeof(a->map_vec);
	default:
		a->unmap_vec = (struct iodirty_ioas_unmap_vec){
			.size = sizeof(a->unmap_vec), .flags = fz_some_flags(w, 1),
			.ioas_id = fz_pick_ioas(w), .num_segs = fz_pick_count(w, 8),
		};
		fz_fill_ranges(w, a->unmap_vec.num_segs);
		a->unmap_vec.segs = fz_pick_in(w, &w->scratch);
		if (a->unmap_vec.flags & IODIRTY_UNMAP_VEC_DIRTY_BITMAP || fz_one_in(s, 16))
			a->unmap_vec.dirty_bitmap = fz_pick_out(w);
		return sizeof(a->unmap_vec);
	}
}

/*
 * Now and then, corrupts the argument of @len bytes: a flipped bit, a
 * size too small, too large with or without non-zero bytes past the
 * struct, or any field (flags, IDs, reserved fields, lengths, pointers)
 * replaced by a random value.
 */
static void mutate(struct fz_worker *w, union fz_arg *a, size_t len)
{
	uint64_t *s = &w->rng;
	uint32_t u32;
	uint64_t u64;

	switch (fz_below(s, 20)) {
	case 0:
		a->b[fz_below(s, len)] ^= (uint8_t)(1u << fz_below(s, 8));
		break;
	case 1:
		u32 = (uint32_t)fz_below(s, len);
		memcpy(a->b, &u32, sizeof(u32));
		break;
	case 2:
		u32 = (uint32_t)(len + 8 * (1 + fz_below(s, 8)));
		memcpy(a->b, &u32, sizeof(u32));
		a->b[len + fz_below(s, u32 - len)] = (uint8_t)(1 + fz_below(s, 255));
		break;
	case 3:
		u32 = (uint32_t)(len + 8 * fz_below(s, 8));
		memcpy(a->b, &u32, sizeof(u32));
		break;
	case 4:
		u32 = (uint32_t)fz_rand(s);
		memcpy(a->b, &u32, sizeof(u32));
		break;
	case 5:
		u32 = (uint32_t)fz_rand(s) >> fz_below(s, 32);
		memcpy(a->b + 4 + 4 * fz_below(s, len / 4 - 1), &u32, sizeof(u32));
		break;
	case 6:
		if (len >= 16) {
			u64 = fz_rand(s);
			memcpy(a->b + 8 * (1 + fz_below(s, len / 8 - 1)), &u64, sizeof(u64));
		}
		break;
	default:
		break;
	}
}

/* An ioctl number that is no command (ENOTTY expected). */
static unsigned long bad_nr(struct fz_worker *w)
{
	uint64_t *s = &w->rng;
	unsigned int nr = IODIRTY_CMD_BASE + (unsigned int)fz_below(s, FZ_NCMDS);

	switch (fz_below(s, 5)) {
	case 0:
		return _IO(IODIRTY_TYPE, IODIRTY_CMD_BASE + FZ_NCMDS + fz_below(s, 16));
	case 1:
		return _IO(IODIRTY_TYPE, fz_below(s, IODIRTY_CMD_BASE));
	case 2:
		return _IOWR(IODIRTY_TYPE, nr, struct iodirty_ioas_map);
	case 3:
		return _IO(IODIRTY_TYPE + 1, nr);
	default:
		return (uint32_t)fz_rand(s);
	}
}

static void count(struct fz *fz, unsigned int c, int err)
{
	struct fz_stats *st = fz->stats;

	if (err >= FZ_NERRNO)
		err = FZ_NERRNO - 1;
	atomic_fetch_add_explicit(&st->calls[c], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->err[c][err], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->total, 1, memory_order_relaxed);
}

/* Remembers the IDs a successful call handed out, for the others. */
static void remember(struct fz_worker *w, unsigned int c, const union fz_arg *a)
{
	struct fz *fz = w->fz;
	unsigned int slot = (unsigned int)fz_below(&w->rng, FZ_NIDS);

	if (c == 2)
		atomic_store_explicit(&fz->ioas[slot],
				      (uint64_t)w->slot << 32 | a->alloc.out_ioas_id,
				      memory_order_relaxed);
	else if (c == 3 && a->map.iova < FZ_IOVA_WINDOW && a->map.length <= FZ_IOVA_WINDOW)
		atomic_store_explicit(&fz->mapped[slot],
				      (uint64_t)(a->map.length / FZ_PAGE) << 48 |
				      (uint64_t)(a->map.iova / FZ_PAGE) << 33 |
				      (uint64_t)w->slot << 32 | a->map.ioas_id,
				      memory_order_relaxed);
	else if (c == 13)
		atomic_store_explicit(&fz->holds[slot],
				      (uint64_t)(a->sg_get.out_hold_id & 0xffffff) << 40 |
				      (uint64_t)w->slot << 32 | a->sg_get.ioas_id,
				      memory_order_relaxed);
}

void fz_call(struct fz_worker *w)
{
	uint64_t *s = &w->rng;
	union fz_arg a;
	unsigned int c = (unsigned int)fz_below(s, FZ_NCMDS + 1);
	unsigned long nr;
	void *arg = &a;
	size_t len;
	int fd;
	int rc, err;

	memset(&a, 0, sizeof(a));
	w->slot = (unsigned int)fz_below(s, 2);
	w->wild = fz_one_in(s, 3);
	if (c == FZ_BAD_NR) {
		nr = bad_nr(w);
		len = sizeof(a.map);
		a.map.size = sizeof(a.map);
	} else {
		nr = _IO(IODIRTY_TYPE, IODIRTY_CMD_BASE + c);
		len = build(w, c, &a);
		if (w->wild && fz_one_in(s, 2))
			mutate(w, &a, len);
	}

	/* The argument itself: read-only (no reply), gone, or garbage. */
	switch (fz_below(s, 48)) {
	case 0:
		arg = NULL;
		break;
	case 1:
		arg = (void *)(uintptr_t)FZ_KERNEL_PTR;
		break;
	case 2:
		arg = w->fz->arena + fz_below(s, FZ_ARENA_BYTES / 8 - 64) * 8;
		break;
	case 3:
	case 4:
		memcpy(w->argpage, &a, sizeof(a));
		mprotect(w->argpage, FZ_PAGE, PROT_READ);
		arg = w->argpage;
		break;
	case 5:
		/* The struct's last bytes on the inaccessible page after. */
		arg = w->argpage + FZ_PAGE - 1 - fz_below(s, len);
		memcpy(arg, &a, (size_t)(w->argpage + FZ_PAGE - (uint8_t *)arg));
		break;
	default:
		break;
	}

	fd = w->fz->fds[w->slot];
	rc = ioctl(fd, nr, arg);
	err = rc < 0 ? errno : 0;
	if (arg == w->argpage)
		mprotect(w->argpage, FZ_PAGE, PROT_READ | PROT_WRITE);
	count(w->fz, c, err);
	if (!err && arg == &a)
		remember(w, c, &a);
}
