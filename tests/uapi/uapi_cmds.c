// SPDX-License-Identifier: MIT
/* The command table of uapi_cmds.h: one row per ioctl of the header. */
#include "uapi_cmds.h"

#include <stddef.h>
#include <string.h>

static void fill_info(struct fx *fx, void *arg)
{
	struct iodirty_info *a = arg;

	(void)fx;
	a->flags = 0;
}

static void fill_destroy(struct fx *fx, void *arg)
{
	struct iodirty_destroy *a = arg;

	a->id = fx->ioas;
}

static void fill_alloc(struct fx *fx, void *arg)
{
	struct iodirty_ioas_alloc *a = arg;

	(void)fx;
	a->iova_bits = 0;
	a->granule_shift = 0;
}

void uapi_fill_map(struct fx *fx, void *arg)
{
	struct iodirty_ioas_map *a = arg;

	a->flags = U_RW;
	a->ioas_id = fx->ioas;
	a->user_va = (uintptr_t)(fx->ram + FX_MAPPED * U_PAGE);
	a->length = 4 * U_PAGE;
	a->iova = FX_IOVA + 64 * U_PAGE;
}

static void fill_unmap(struct fx *fx, void *arg)
{
	struct iodirty_ioas_unmap *a = arg;

	a->ioas_id = fx->ioas;
	a->iova = FX_IOVA;
	a->length = 4 * U_PAGE;
}

static void fill_translate(struct fx *fx, void *arg)
{
	struct iodirty_ioas_translate *a = arg;

	a->ioas_id = fx->ioas;
	a->iova = FX_IOVA + 5;
}

static void fill_ranges(struct fx *fx, void *arg)
{
	struct iodirty_ioas_iova_ranges *a = arg;

	a->ioas_id = fx->ioas;
	a->num_ranges = U_ARRAY_SIZE(fx->ranges);
	a->ranges = (uintptr_t)fx->ranges;
}

static void fill_reserve(struct fx *fx, void *arg)
{
	struct iodirty_ioas_reserve *a = arg;

	a->ioas_id = fx->ioas;
	a->type = IODIRTY_RANGE_RESV_MSI;
	a->iova = FX_IOVA + 128 * U_PAGE;
	a->length = U_PAGE;
}

static void fill_tracking(struct fx *fx, void *arg)
{
	struct iodirty_set_dirty_tracking *a = arg;

	a->flags = IODIRTY_TRACKING_ENABLE;
	a->ioas_id = fx->ioas;
}

static void fill_dirty(struct fx *fx, void *arg)
{
	struct iodirty_get_dirty_bitmap *a = arg;

	a->ioas_id = fx->ioas;
	a->iova = FX_IOVA;
	a->length = FX_MAPPED * U_PAGE;
	a->page_size = U_PAGE;
	a->data = (uintptr_t)fx->bitmap;
}

static void fill_dma(struct fx *fx, void *arg)
{
	struct iodirty_dma_rw *a = arg;

	a->flags = IODIRTY_DMA_WRITE;
	a->ioas_id = fx->ioas;
	a->iova = FX_IOVA + 100;
	a->length = sizeof(fx->dma);
	a->data = (uintptr_t)fx->dma;
}

static void fill_stats(struct fx *fx, void *arg)
{
	struct iodirty_ioas_stats *a = arg;

	a->ioas_id = fx->ioas;
}

/* Two segments, the second in another page, from the DMA buffer. */
static void fill_dmav(struct fx *fx, void *arg)
{
	struct iodirty_dma_rwv *a = arg;

	fx->vec[0].iova = FX_IOVA + 200;
	fx->vec[0].length = 16;
	fx->vec[0].data = (uintptr_t)fx->dma;
	fx->vec[1].iova = FX_IOVA + 5 * U_PAGE;
	fx->vec[1].length = 32;
	fx->vec[1].data = (uintptr_t)(fx->dma + 16);
	a->flags = IODIRTY_DMA_WRITE;
	a->ioas_id = fx->ioas;
	a->num_segs = 2;
	a->segs = (uintptr_t)fx->vec;
}

static void fill_sg_get(struct fx *fx, void *arg)
{
	struct iodirty_sg_get *a = arg;

	a->flags = IODIRTY_SG_GET_WRITE;
	a->ioas_id = fx->ioas;
	a->num_pieces = U_ARRAY_SIZE(fx->pieces);
	a->iova = FX_IOVA + 100;
	a->length = 2 * U_PAGE;
	a->pieces = (uintptr_t)fx->pieces;
}

/* A write hold to put (each call takes a new one; teardown drops them). */
static void fill_sg_put(struct fx *fx, void *arg)
{
	struct iodirty_sg_put *a = arg;
	struct iodirty_sg_get g;

	memset(&g, 0, sizeof(g));
	g.size = sizeof(g);
	fill_sg_get(fx, &g);
	U_EQ(u_ioctl(fx->fd, IODIRTY_SG_GET, &g), 0);
	a->ioas_id = fx->ioas;
	a->hold_id = g.out_hold_id;
	a->written = 8;
}

static void fill_mappings(struct fx *fx, void *arg)
{
	struct iodirty_ioas_mappings *a = arg;

	a->ioas_id = fx->ioas;
	a->num_entries = 4;
	a->iova = FX_IOVA;
	a->entries = (uintptr_t)fx->maps;
}

static void fill_extents(struct fx *fx, void *arg)
{
	struct iodirty_get_dirty_extents *a = arg;

	a->ioas_id = fx->ioas;
	a->nr_extents = U_ARRAY_SIZE(fx->ext);
	a->iova = FX_IOVA;
	a->length = FX_MAPPED * U_PAGE;
	a->page_size = U_PAGE;
	a->extents = (uintptr_t)fx->ext;
}

static void fill_set_dirty(struct fx *fx, void *arg)
{
	struct iodirty_set_dirty *a = arg;

	a->ioas_id = fx->ioas;
	a->iova = FX_IOVA;
	a->length = FX_MAPPED * U_PAGE;
	a->page_size = U_PAGE;
	fx->bitmap[0] = 0x5;
	a->data = (uintptr_t)fx->bitmap;
}

/* Two pieces of the RAM past the mapped part, at two IOVAs apart. */
static void fill_map_vec(struct fx *fx, void *arg)
{
	struct iodirty_ioas_map_vec *a = arg;

	fx->mvec[0] = (struct iodirty_map_vec_seg){
		.iova = FX_IOVA + 80 * U_PAGE,
		.user_va = (uintptr_t)(fx->ram + (FX_MAPPED + 4) * U_PAGE),
		.length = 2 * U_PAGE, .flags = U_RW };
	fx->mvec[1] = (struct iodirty_map_vec_seg){
		.iova = FX_IOVA + 70 * U_PAGE,
		.user_va = (uintptr_t)(fx->ram + FX_MAPPED * U_PAGE),
		.length = U_PAGE, .flags = IODIRTY_IOAS_MAP_READ };
	a->ioas_id = fx->ioas;
	a->num_segs = 2;
	a->segs = (uintptr_t)fx->mvec;
}

/* A hole and a trim of the mapping, with a report when tracking is on. */
static void fill_unmap_vec(struct fx *fx, void *arg)
{
	struct iodirty_ioas_unmap_vec *a = arg;

	fx->uvec[0] = (struct iodirty_unmap_vec_seg){ FX_IOVA + 3 * U_PAGE,
						      U_PAGE };
	fx->uvec[1] = (struct iodirty_unmap_vec_seg){
		FX_IOVA + (FX_MAPPED - 2) * U_PAGE, 2 * U_PAGE };
	a->ioas_id = fx->ioas;
	a->num_segs = 2;
	a->segs = (uintptr_t)fx->uvec;
	if (u_has(IODIRTY_INFO_CAP_DIRTY_TRACKING)) {
		a->flags = IODIRTY_UNMAP_VEC_DIRTY_BITMAP;
		a->dirty_bitmap = (uintptr_t)fx->bitmap;
	}
}

/* A command whose struct grew after it was introduced at @min bytes. */
#define ROW_GROWN(c, type, min, ...)					\
	[IODIRTY_CMD_##c - IODIRTY_CMD_BASE] = {			\
		.name = #c,						\
		.cmd = IODIRTY_##c,					\
		.nr = IODIRTY_CMD_##c,					\
		.size = sizeof(struct type),				\
		.min_size = (min),					\
		__VA_ARGS__						\
	}
#define ROW(c, type, ...) ROW_GROWN(c, type, sizeof(struct type), __VA_ARGS__)

const struct cmd_row uapi_cmds[] = {
	ROW(GET_INFO, iodirty_info,
	    .flags_off = OFF(iodirty_info, flags),
	    .fill = fill_info,
	    .nres = 1, .res = { F(iodirty_info, __reserved) },
	    .nout = 7, .out = {
		F(iodirty_info, out_uapi_version),
		F(iodirty_info, out_max_iova_bits),
		F(iodirty_info, out_capabilities),
		F(iodirty_info, out_page_sizes),
		F(iodirty_info, out_granules),
		F(iodirty_info, out_default_iova_bits),
		F(iodirty_info, out_max_mappings),
	    }),
	/* DESTROY is the one command without flags. */
	ROW(DESTROY, iodirty_destroy,
	    .fill = fill_destroy,
	    .id_off = OFF(iodirty_destroy, id)),
	/* out_handle came later: the old size still works. */
	ROW_GROWN(IOAS_ALLOC, iodirty_ioas_alloc,
	    OFF(iodirty_ioas_alloc, out_handle),
	    .flags_off = OFF(iodirty_ioas_alloc, flags),
	    .fill = fill_alloc,
	    .flags_known = IODIRTY_IOAS_HW_MODEL,
	    .nout = 2, .out = { F(iodirty_ioas_alloc, out_ioas_id),
				F(iodirty_ioas_alloc, out_handle) }),
	ROW(IOAS_MAP, iodirty_ioas_map,
	    .flags_off = OFF(iodirty_ioas_map, flags),
	    .fill = uapi_fill_map,
	    .flags_known = IODIRTY_IOAS_MAP_READ | IODIRTY_IOAS_MAP_WRITE,
	    .id_off = OFF(iodirty_ioas_map, ioas_id),
	    .iova_off = OFF(iodirty_ioas_map, iova),
	    .len_off = OFF(iodirty_ioas_map, length),
	    .nres = 1, .res = { F(iodirty_ioas_map, __reserved) }),
	/* out_nr_dirty came with uAPI version 3. */
	ROW_GROWN(IOAS_UNMAP, iodirty_ioas_unmap,
	    OFF(iodirty_ioas_unmap, out_nr_dirty),
	    .flags_off = OFF(iodirty_ioas_unmap, flags),
	    .fill = fill_unmap,
	    .flags_known = IODIRTY_UNMAP_EXACT | IODIRTY_UNMAP_DIRTY_BITMAP,
	    .id_off = OFF(iodirty_ioas_unmap, ioas_id),
	    .iova_off = OFF(iodirty_ioas_unmap, iova),
	    .len_off = OFF(iodirty_ioas_unmap, length),
	    .nres = 1, .res = { F(iodirty_ioas_unmap, __reserved) },
	    .nout = 2, .out = {
		F(iodirty_ioas_unmap, out_unmapped),
		F(iodirty_ioas_unmap, out_nr_dirty),
	    }),
	ROW(IOAS_TRANSLATE, iodirty_ioas_translate,
	    .flags_off = OFF(iodirty_ioas_translate, flags),
	    .fill = fill_translate,
	    .id_off = OFF(iodirty_ioas_translate, ioas_id),
	    .iova_off = OFF(iodirty_ioas_translate, iova),
	    .nres = 1, .res = { F(iodirty_ioas_translate, __reserved) },
	    .nout = 2, .out = {
		F(iodirty_ioas_translate, out_user_va),
		F(iodirty_ioas_translate, out_contig),
	    }),
	/*
	 * entry_size is read and written, so not in .out (garbage there is
	 * a huge entry); fill_ranges leaves it 0, the v1 entry, and
	 * test_uapi_map checks what the module makes of it.
	 */
	ROW(IOAS_IOVA_RANGES, iodirty_ioas_iova_ranges,
	    .flags_off = OFF(iodirty_ioas_iova_ranges, flags),
	    .fill = fill_ranges,
	    .flags_known = IODIRTY_RANGES_RESERVED,
	    .id_off = OFF(iodirty_ioas_iova_ranges, ioas_id),
	    .nres = 1, .res = { F(iodirty_ioas_iova_ranges, __reserved) }),
	ROW(IOAS_RESERVE, iodirty_ioas_reserve,
	    .flags_off = OFF(iodirty_ioas_reserve, flags),
	    .cap = IODIRTY_INFO_CAP_RESERVE,
	    .fill = fill_reserve,
	    .flags_known = IODIRTY_RESERVE_REMOVE,
	    .id_off = OFF(iodirty_ioas_reserve, ioas_id),
	    .iova_off = OFF(iodirty_ioas_reserve, iova),
	    .len_off = OFF(iodirty_ioas_reserve, length)),
	ROW(SET_DIRTY_TRACKING, iodirty_set_dirty_tracking,
	    .flags_off = OFF(iodirty_set_dirty_tracking, flags),
	    .cap = IODIRTY_INFO_CAP_DIRTY_TRACKING,
	    .fill = fill_tracking,
	    .flags_known = IODIRTY_TRACKING_ENABLE,
	    .id_off = OFF(iodirty_set_dirty_tracking, ioas_id),
	    .nres = 1, .res = { F(iodirty_set_dirty_tracking, __reserved) }),
	ROW(GET_DIRTY_BITMAP, iodirty_get_dirty_bitmap,
	    .flags_off = OFF(iodirty_get_dirty_bitmap, flags),
	    .cap = IODIRTY_INFO_CAP_DIRTY_TRACKING,
	    .fill = fill_dirty,
	    .flags_known = IODIRTY_DIRTY_NO_CLEAR | IODIRTY_DIRTY_UADDR |
			   IODIRTY_DIRTY_COUNT_ALL,
	    .id_off = OFF(iodirty_get_dirty_bitmap, ioas_id),
	    .iova_off = OFF(iodirty_get_dirty_bitmap, iova),
	    .len_off = OFF(iodirty_get_dirty_bitmap, length),
	    .nres = 1, .res = { F(iodirty_get_dirty_bitmap, __reserved) },
	    .nout = 1, .out = { F(iodirty_get_dirty_bitmap, out_nr_set) }),
	ROW(DMA_RW, iodirty_dma_rw,
	    .flags_off = OFF(iodirty_dma_rw, flags),
	    .cap = IODIRTY_INFO_CAP_DMA_RW,
	    .fill = fill_dma,
	    .flags_known = IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY,
	    .id_off = OFF(iodirty_dma_rw, ioas_id),
	    .iova_off = OFF(iodirty_dma_rw, iova),
	    .len_off = OFF(iodirty_dma_rw, length),
	    .nres = 1, .res = { F(iodirty_dma_rw, __reserved) }),
	ROW_GROWN(IOAS_STATS, iodirty_ioas_stats,
	    OFF(iodirty_ioas_stats, out_handle),
	    .flags_off = OFF(iodirty_ioas_stats, flags),
	    .fill = fill_stats,
	    .id_off = OFF(iodirty_ioas_stats, ioas_id),
	    /* Every field after ioas_id is an output, __reserved included:
	     * a reserved field of the reply is ignored on input and
	     * written as 0. */
	    .nout = 20, .out = {
		F(iodirty_ioas_stats, out_tracking),
		F(iodirty_ioas_stats, out_mapped_bytes),
		F(iodirty_ioas_stats, out_mappings),
		F(iodirty_ioas_stats, out_holes),
		F(iodirty_ioas_stats, out_dirty_pending),
		F(iodirty_ioas_stats, out_reads),
		F(iodirty_ioas_stats, out_clears),
		F(iodirty_ioas_stats, out_mem_bytes),
		F(iodirty_ioas_stats, out_granule),
		F(iodirty_ioas_stats, out_iova_bits),
		F(iodirty_ioas_stats, __reserved),
		F(iodirty_ioas_stats, out_hw_huge_leaves),
		F(iodirty_ioas_stats, out_hw_splits),
		F(iodirty_ioas_stats, out_hw_collapses),
		F(iodirty_ioas_stats, out_handle),
		F(iodirty_ioas_stats, __reserved2),
		F(iodirty_ioas_stats, out_holds),
		F(iodirty_ioas_stats, out_dirtied),
		F(iodirty_ioas_stats, out_dma_written),
		F(iodirty_ioas_stats, out_dma_read),
	    }),
	/* Segments are in the list, so no address or length fields here. */
	ROW(DMA_RWV, iodirty_dma_rwv,
	    .flags_off = OFF(iodirty_dma_rwv, flags),
	    .cap = IODIRTY_INFO_CAP_DMA_RW,
	    .fill = fill_dmav,
	    .flags_known = IODIRTY_DMA_WRITE,
	    .id_off = OFF(iodirty_dma_rwv, ioas_id),
	    .nout = 1, .out = { F(iodirty_dma_rwv, out_done) }),
	/* num_pieces is read and written: not in .out. */
	ROW(SG_GET, iodirty_sg_get,
	    .flags_off = OFF(iodirty_sg_get, flags),
	    .cap = IODIRTY_INFO_CAP_SG,
	    .fill = fill_sg_get,
	    .flags_known = IODIRTY_SG_GET_WRITE,
	    .id_off = OFF(iodirty_sg_get, ioas_id),
	    .iova_off = OFF(iodirty_sg_get, iova),
	    .len_off = OFF(iodirty_sg_get, length),
	    .nres = 1, .res = { F(iodirty_sg_get, __reserved) },
	    .nout = 1, .out = { F(iodirty_sg_get, out_hold_id) }),
	ROW(SG_PUT, iodirty_sg_put,
	    .flags_off = OFF(iodirty_sg_put, flags),
	    .cap = IODIRTY_INFO_CAP_SG,
	    .fill = fill_sg_put,
	    .id_off = OFF(iodirty_sg_put, ioas_id)),
	/* num_entries is read and written: not in .out. */
	ROW(IOAS_MAPPINGS, iodirty_ioas_mappings,
	    .flags_off = OFF(iodirty_ioas_mappings, flags),
	    .cap = IODIRTY_INFO_CAP_MAPPINGS,
	    .fill = fill_mappings,
	    .id_off = OFF(iodirty_ioas_mappings, ioas_id),
	    .iova_off = OFF(iodirty_ioas_mappings, iova)),
	ROW(GET_DIRTY_EXTENTS, iodirty_get_dirty_extents,
	    .flags_off = OFF(iodirty_get_dirty_extents, flags),
	    .cap = IODIRTY_INFO_CAP_EXTENTS,
	    .fill = fill_extents,
	    .flags_known = IODIRTY_DIRTY_NO_CLEAR | IODIRTY_DIRTY_UADDR,
	    .id_off = OFF(iodirty_get_dirty_extents, ioas_id),
	    .iova_off = OFF(iodirty_get_dirty_extents, iova),
	    .len_off = OFF(iodirty_get_dirty_extents, length),
	    .nout = 2, .out = { F(iodirty_get_dirty_extents, out_nr),
				F(iodirty_get_dirty_extents, out_next) }),
	/* Bitmap mode: extents mode wants iova, length and page size 0. */
	ROW(SET_DIRTY, iodirty_set_dirty,
	    .flags_off = OFF(iodirty_set_dirty, flags),
	    .cap = IODIRTY_INFO_CAP_SET_DIRTY,
	    .fill = fill_set_dirty,
	    .flags_known = IODIRTY_SET_DIRTY_UADDR |
			   IODIRTY_SET_DIRTY_EXTENTS,
	    .id_off = OFF(iodirty_set_dirty, ioas_id),
	    .iova_off = OFF(iodirty_set_dirty, iova),
	    .len_off = OFF(iodirty_set_dirty, length),
	    .nres = 1, .res = { F(iodirty_set_dirty, __reserved) }),
	/* Segments are in the vector: no address or length fields here. */
	ROW(IOAS_MAP_VEC, iodirty_ioas_map_vec,
	    .flags_off = OFF(iodirty_ioas_map_vec, flags),
	    .cap = IODIRTY_INFO_CAP_MAP_VEC,
	    .fill = fill_map_vec,
	    .id_off = OFF(iodirty_ioas_map_vec, ioas_id),
	    .nres = 1, .res = { F(iodirty_ioas_map_vec, __reserved) },
	    .nout = 1, .out = { F(iodirty_ioas_map_vec, out_failed) }),
	ROW(IOAS_UNMAP_VEC, iodirty_ioas_unmap_vec,
	    .flags_off = OFF(iodirty_ioas_unmap_vec, flags),
	    .cap = IODIRTY_INFO_CAP_MAP_VEC,
	    .fill = fill_unmap_vec,
	    .flags_known = IODIRTY_UNMAP_VEC_DIRTY_BITMAP,
	    .id_off = OFF(iodirty_ioas_unmap_vec, ioas_id),
	    .nres = 1, .res = { F(iodirty_ioas_unmap_vec, __reserved) },
	    .nout = 1, .out = { F(iodirty_ioas_unmap_vec, out_failed) }),
};

/*
 * A new command in the header, with LAST_CMD moved to it, fails to compile
 * without a row here; the run-time check in test_table_complete() catches
 * a LAST_CMD left behind.
 */
_Static_assert(U_ARRAY_SIZE(uapi_cmds) == LAST_CMD - IODIRTY_CMD_BASE + 1,
	       "uapi_cmds[] must have one row per IODIRTY_CMD_* up to LAST_CMD");

const size_t uapi_ncmds = U_ARRAY_SIZE(uapi_cmds);
