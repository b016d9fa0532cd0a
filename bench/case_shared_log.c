// SPDX-License-Identifier: MIT
/*
 * Case "shared-log": dirty logs shared with device processes
 * (iodirty_log_export(), iodirty_log_import()), soft backend. Skipped with
 * a note when the context lacks IODIRTY_CAP_SHARED_LOG.
 *
 * Mark rows, "64 GiB" and "1 GiB", in ns per mark: a domain with one
 * mapping of that size (untouched PROT_NONE address space at IOVA 1 TiB),
 * tracking on, every leaf of its bitmap allocated beforehand (the whole
 * mapping marked and read once), and one log exported over the whole
 * mapping. N distinct random 4 KiB pages (N = 1,000,000, or every page of
 * 1 GiB, 262,144; --quick: 20,000), the same list for both:
 *  - measured: iodirty_mark_dirty() of each page through the imported
 *    handle, in a forked device process that imports (a dup of) the log's
 *    fd once and, on each command of the parent (a byte over a socket
 *    pair), times its own loop and writes the nanoseconds into a
 *    MAP_SHARED anonymous page;
 *  - baseline: the same loop on the domain, in the parent.
 * Before each run (untimed) one iodirty_read_dirty() over the mapping
 * takes the log into the domain and clears both, so every run marks clean
 * pages; it also checks that the run before marked exactly N pages. The
 * parent and the device process are pinned to one CPU for the row, so
 * that both loops find the caches the same read left. Target: device /
 * in-process <= 1.2x.
 *
 * Harvest rows, in ns per read, caches flushed before each repetition: a
 * domain with 1 TiB mapped at IOVA 0 (--quick: 16 GiB), tracking on, one
 * log over all of it, 0.01 % of its pages marked (untimed) through a
 * handle imported in the same process, in runs of 64 pages at random
 * offsets ("clustered") or as single random pages ("random"):
 *  - measured: iodirty_read_extents() of the whole domain, resumed until
 *    done, which takes the log and merges its runs with what the
 *    domain's own read returns (docs/design.md, "Where the runs go");
 *  - baseline: a flat shared bitmap of the vhost-user kind (one bit per
 *    4 KiB page, 32 MiB for 1 TiB, in a MAP_SHARED memfd mapping) with the
 *    same pages set, scanned whole a cache line (8 words) at a time,
 *    every non-zero word exchanged with 0 and its runs emitted into the
 *    same extent array (merged across words): what a VMM does with the
 *    log of VHOST_USER_SET_LOG_BASE.
 * Both must find the same number of dirty pages; their repetitions are
 * interleaved (time_interleaved()). Target: harvest / flat <= 0.10x.
 * Floor row (random pages, no target): what no O(dirty) harvest can beat
 * here, the flat map's non-zero words alone, their places known
 * beforehand, prefetched 32 at a time, loaded and exchanged, no output;
 * against the same flat scan, interleaved with the rows above.
 *
 * 8-log rows (no target): a second 1 TiB domain with 8 logs of 128 GiB
 * each (--quick: 2 GiB), the random pages of the row above marked through
 * 8 imported handles, each page in its log; measured: the same read.
 * Baseline: the 1-log random harvest, interleaved with it in the same
 * repetitions. Then the fixed cost of empty logs: an empty read of the
 * 8-log domain against one of the 1-log domain after its log was revoked
 * (no logs, the same pages harvested before).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define SL_MARK_IOVA	(1 * TiB)
#define SL_NLOGS	8

#define SL_DMA_BYTES	64

/*
 * The loop of both sides: the same code in both processes. A mark of each
 * page, or (@dma) a 64-byte DMA write into it, at an offset that varies.
 */
__attribute__((noinline))
static uint64_t mark_loop(struct iodirty_domain *dom, const uint64_t *pages,
			  uint64_t n, bool dma, uint64_t *errors)
{
	static const uint8_t src[SL_DMA_BYTES] = { 1, 2, 3 };
	uint64_t i, err = 0, t0, t1, iova;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		iova = SL_MARK_IOVA + pages[i] * PAGE;
		if (dma)
			err += iodirty_dma_write(dom, iova + (i % 63) *
						 SL_DMA_BYTES, src,
						 SL_DMA_BYTES) != 0;
		else
			err += iodirty_mark_dirty(dom, iova, PAGE) != 0;
	}
	t1 = now_ns();
	*errors += err;
	return t1 - t0;
}

/* "1 TiB" or "16 GiB". */
static const char *size_name(char *buf, size_t n, uint64_t size)
{
	if (size % TiB == 0)
		snprintf(buf, n, "%llu TiB", (unsigned long long)(size / TiB));
	else
		snprintf(buf, n, "%llu GiB", (unsigned long long)(size / GiB));
	return buf;
}

/* Bytes of a log's memory file. */
static uint64_t log_bytes(const struct iodirty_log *log)
{
	struct stat st;

	if (fstat(check(iodirty_log_fd(log), "log_fd"), &st))
		die("fstat of a log: failed");
	return (uint64_t)st.st_size;
}

/* ---- mark: device process vs in-process ---- */

/* What the device process reports, in a MAP_SHARED anonymous page. */
struct sl_report {
	uint64_t ns;		/* its last timed loop */
	uint64_t errors;	/* failed marks, all loops */
	int import;		/* iodirty_log_import()'s return */
};

struct sl_mark {
	struct bench_dom bd;
	struct iodirty_log *log;
	uint64_t size;
	uint64_t *pages;	/* page numbers from SL_MARK_IOVA */
	uint64_t n;
	uint64_t *scratch;	/* read-and-clear target */
	size_t scratch_bytes;
	bool ran;		/* a run (either side) since the last read */
	uint64_t errors;	/* the parent's failed marks */
	/* DMA rows: shared RAM behind the mapping, the table exported. */
	bool dma;
	void *ram;
	/* The device process. */
	pid_t pid;
	int sock;		/* a byte each way: run one loop; done */
	struct sl_report *rep;
};

struct sl_mvar {
	struct sl_mark *m;
	bool device;
};

/* One byte over the socket; false if the other side is gone. */
static bool sock_send(int fd)
{
	char c = 'r';

	return send(fd, &c, 1, MSG_NOSIGNAL) == 1;
}

static bool sock_recv(int fd)
{
	char c;

	return recv(fd, &c, 1, 0) == 1;
}

__attribute__((noreturn))
static void sl_device(struct sl_mark *m, int fd, int sock)
{
	struct iodirty_domain *h = NULL;

	m->rep->import = iodirty_log_import(fd, 0, &h);
	close(fd);	/* the import does not keep it */
	if (!m->rep->import && m->dma)
		m->rep->import = iodirty_log_import_maps(h,
					iodirty_log_maps_fd(m->log), 0);
	/* The RAM is at the same address here: the fork kept it. */
	if (!m->rep->import && m->dma)
		m->rep->import = iodirty_log_add_memory(h,
					(uintptr_t)m->ram, m->ram, m->size);
	if (!sock_send(sock) || m->rep->import)
		_exit(1);
	/* Until the parent closes its end. */
	while (sock_recv(sock)) {
		m->rep->ns = mark_loop(h, m->pages, m->n, m->dma,
				       &m->rep->errors);
		if (!sock_send(sock))
			break;
	}
	iodirty_domain_destroy(h);
	_exit(0);
}

static void sl_device_start(struct sl_mark *m)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair failed");
	fflush(stdout);
	fflush(stderr);
	m->pid = fork();
	if (m->pid < 0)
		die("fork failed");
	if (!m->pid) {
		close(sv[0]);
		/* Its own descriptor, as one received over a socket. */
		sl_device(m, dup(iodirty_log_fd(m->log)), sv[1]);
	}
	close(sv[1]);
	m->sock = sv[0];
	if (!sock_recv(m->sock) || m->rep->import)
		die("shared-log: import in the device process: %s",
		    iodirty_strerror(m->rep->import));
}

static void sl_device_stop(struct sl_mark *m)
{
	int status;

	close(m->sock);	/* end of commands */
	if (waitpid(m->pid, &status, 0) != m->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("shared-log: the device process failed");
}

static void mark_setup(void *arg)
{
	struct sl_mvar *v = arg;
	struct sl_mark *m = v->m;
	int64_t got;

	memset(m->scratch, 0, m->scratch_bytes);
	got = check(iodirty_read_dirty(m->bd.dom, SL_MARK_IOVA, m->size, PAGE,
				       m->scratch, 0), "read_dirty");
	if (m->ran && (uint64_t)got != m->n)
		die("shared-log: %lld dirty pages after a run, want %llu",
		    (long long)got, (unsigned long long)m->n);
	m->ran = false;
}

static uint64_t mark_run(void *arg)
{
	struct sl_mvar *v = arg;
	struct sl_mark *m = v->m;
	uint64_t ns;

	if (!v->device) {
		ns = mark_loop(m->bd.dom, m->pages, m->n, m->dma, &m->errors);
	} else {
		if (!sock_send(m->sock) || !sock_recv(m->sock))
			die("shared-log: the device process died");
		ns = m->rep->ns;
	}
	m->ran = true;
	return ns;
}

/* @n distinct random pages of [0, span), in random order. */
static void random_pages(uint64_t *out, uint64_t n, uint64_t span,
			 uint64_t *seed)
{
	uint64_t *seen, i, p;

	if (n == span) {
		for (i = 0; i < span; i++)
			out[i] = i;
		for (i = span - 1; i > 0; i--) {
			uint64_t j = rng_below(seed, i + 1), x = out[i];

			out[i] = out[j];
			out[j] = x;
		}
		return;
	}
	seen = calloc((span + 63) / 64, 8);
	if (!seen)
		die("out of memory");
	for (i = 0; i < n;) {
		p = rng_below(seed, span);
		if (seen[p / 64] & (1ULL << (p % 64)))
			continue;
		seen[p / 64] |= 1ULL << (p % 64);
		out[i++] = p;
	}
	free(seen);
}

static void sl_mark_size(uint64_t size, uint64_t *seed, bool dma)
{
	static char label[3][64];
	struct sl_mark m;
	struct sl_mvar v[2] = { { &m, true }, { &m, false } };
	struct timed t[2];
	struct row r = { .bcase = "shared-log", .per = "mark" };
	cpu_set_t old, one;
	bool pinned = false;
	int cpu, k;

	memset(&m, 0, sizeof(m));
	m.size = size;
	m.dma = dma;
	m.n = bench.quick ? 20000 : 1000000;
	if (m.n > size / PAGE)
		m.n = size / PAGE;
	m.pages = malloc(m.n * sizeof(*m.pages));
	if (!m.pages)
		die("out of memory");
	random_pages(m.pages, m.n, size / PAGE, seed);
	m.scratch_bytes = size / PAGE / 8;
	m.scratch = mem_alloc(m.scratch_bytes);
	m.rep = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m.rep == MAP_FAILED)
		die("mmap of the report page failed");
	memset(m.rep, 0, sizeof(*m.rep));

	if (dma) {
		/* Shared, so the device's writes land in the VMM's RAM. */
		m.ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (m.ram == MAP_FAILED)
			die("mmap of the RAM failed");
		memset(m.ram, 0x5a, size);
		dom_open(&m.bd, 0, 0, true);
		check(iodirty_map(m.bd.dom, SL_MARK_IOVA, m.ram, size,
				  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE), "map");
	} else {
		dom_open(&m.bd, SL_MARK_IOVA, size, true);
	}
	/* Every leaf allocated once. */
	check(iodirty_mark_dirty(m.bd.dom, SL_MARK_IOVA, size), "mark_dirty");
	memset(m.scratch, 0, m.scratch_bytes);
	check(iodirty_read_dirty(m.bd.dom, SL_MARK_IOVA, size, PAGE,
				 m.scratch, 0), "read_dirty");
	check(iodirty_log_export(m.bd.dom, SL_MARK_IOVA, size,
				 dma ? IODIRTY_LOG_MAPPINGS : 0, &m.log),
	      "log_export");

	/* One CPU for both processes (the child inherits the mask). */
	cpu = sched_getcpu();
	if (cpu >= 0 && !sched_getaffinity(0, sizeof(old), &old)) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		pinned = !sched_setaffinity(0, sizeof(one), &one);
	}
	sl_device_start(&m);
	t[0] = (struct timed){ .setup = mark_setup, .run = mark_run,
			       .arg = &v[0] };
	t[1] = (struct timed){ .setup = mark_setup, .run = mark_run,
			       .arg = &v[1] };
	time_interleaved(t, 2);
	mark_setup(&v[0]);	/* checks the last run */
	sl_device_stop(&m);
	if (pinned)
		sched_setaffinity(0, sizeof(old), &old);
	if (m.errors || m.rep->errors)
		die("shared-log: failed marks: %llu in-process, %llu in the "
		    "device process", (unsigned long long)m.errors,
		    (unsigned long long)m.rep->errors);

	k = dma ? 2 : size >= 64 * GiB;
	if (dma)
		snprintf(label[k], sizeof(label[0]),
			 "dma %d B, %llu GiB random, device process",
			 SL_DMA_BYTES, (unsigned long long)(size / GiB));
	else
		snprintf(label[k], sizeof(label[0]),
			 "mark %llu GiB random, device process",
			 (unsigned long long)(size / GiB));
	r.variant = label[k];
	r.per = dma ? "write" : "mark";
	r.ns = t[0].median / (double)m.n;
	row_base(&r, dma ? "iodirty_dma_write in-process" :
		 "iodirty_mark_dirty in-process", t[1].median / (double)m.n);
	row_extra(&r, dma ? "writes" : "marks", (double)m.n);
	row_extra(&r, "mapping GiB", (double)(size / GiB));
	row_extra(&r, "log KiB", (double)(log_bytes(m.log) / KiB));
	row_extra(&r, "one CPU", pinned);
	if (!dma)
		row_target(&r, "device/in-process",
			   t[0].median / t[1].median, false, 1.2, "x");
	report_row(&r);

	check(iodirty_log_revoke(m.log), "log_revoke");
	dom_close(&m.bd);
	if (m.ram)
		munmap(m.ram, size);
	munmap(m.rep, 4096);
	mem_free(m.scratch, m.scratch_bytes);
	free(m.pages);
}

/* ---- harvest: log vs flat shared bitmap; 8 logs ---- */

struct sl_harvest {
	uint64_t size, npages;
	struct bench_dom one, eight;	/* 1 log; SL_NLOGS logs */
	struct iodirty_log *log1, *log8[SL_NLOGS];
	struct iodirty_domain *h1, *h8[SL_NLOGS];	/* imported handles */
	/* The flat shared bitmap: one bit per page, a memfd mapping. */
	int flat_fd;
	uint64_t *flat;
	size_t flat_bytes;
	struct iodirty_extent *ext;
	size_t nr;
	/* The dirty pattern. */
	const uint64_t *list;	/* first pages of the runs */
	uint64_t nlist;
	uint64_t run;		/* pages per run */
	uint64_t ndirty;	/* distinct dirty pages, from the flat map */
	/* The flat map's non-zero words, ascending: the floor's input. */
	uint64_t *words;
	uint64_t nwords;
};

enum sl_hkind { HV_FLAT, HV_ONE, HV_EIGHT, HV_FLOOR, HV_EMPTY8, HV_EMPTY0,
		HV_KINDS };

struct sl_hvar {
	struct sl_harvest *h;
	enum sl_hkind kind;
	uint64_t runs;		/* the last run's */
};

static void flat_set(struct sl_harvest *h, uint64_t first, uint64_t n)
{
	uint64_t p;

	for (p = first; p < first + n; p++)
		__atomic_fetch_or(&h->flat[p >> 6], 1ULL << (p & 63),
				  __ATOMIC_RELAXED);
}

static void hv_setup(void *arg)
{
	struct sl_hvar *v = arg;
	struct sl_harvest *h = v->h;
	uint64_t i, p, per = h->npages / SL_NLOGS;

	for (i = 0; i < h->nlist; i++) {
		p = h->list[i];
		switch (v->kind) {
		case HV_FLAT:
		case HV_FLOOR:
			flat_set(h, p, h->run);
			break;
		case HV_ONE:
			check(iodirty_mark_dirty(h->h1, p * PAGE,
						 h->run * PAGE), "mark_dirty");
			break;
		case HV_EIGHT:	/* single pages: one log each */
			check(iodirty_mark_dirty(h->h8[p / per], p * PAGE,
						 h->run * PAGE), "mark_dirty");
			break;
		default:
			break;
		}
	}
	cache_evict();
}

/*
 * The VMM's harvest of the flat bitmap; returns the ns. A cache line
 * (8 words) is tested at once, then each non-zero word of it exchanged
 * with 0 (@h->flat_bytes is a multiple of 64).
 */
static uint64_t flat_harvest(struct sl_harvest *h, uint64_t *pages,
			     uint64_t *runs)
{
	struct iodirty_extent *e = h->ext;
	uint64_t t0, t1, w, q, any, bits, np = 0, nruns = 0, start, run;
	uint64_t nwords = h->flat_bytes / 8;
	unsigned int lo, n;
	size_t ne = 0;

	t0 = now_ns();
	for (w = 0; w < nwords; w += 8) {
		for (q = 0, any = 0; q < 8; q++)
			any |= __atomic_load_n(&h->flat[w + q],
					       __ATOMIC_RELAXED);
		if (!any)
			continue;
		for (q = w; q < w + 8; q++) {
			if (!__atomic_load_n(&h->flat[q], __ATOMIC_RELAXED))
				continue;
			bits = __atomic_exchange_n(&h->flat[q], 0,
						   __ATOMIC_SEQ_CST);
			while (bits) {
				lo = (unsigned int)__builtin_ctzll(bits);
				run = bits >> lo;
				n = ~run ? (unsigned int)__builtin_ctzll(~run)
					 : 64;
				start = (q * 64 + lo) * PAGE;
				if (ne && e[ne - 1].start + e[ne - 1].length ==
					  start) {
					e[ne - 1].length += n * PAGE;
				} else {
					if (ne == h->nr)
						ne = 0;	/* batch consumed */
					e[ne].start = start;
					e[ne++].length = n * PAGE;
					nruns++;
				}
				np += n;
				bits = lo + n >= 64 ? 0 :
				       bits & (~0ULL << (lo + n));
			}
		}
	}
	t1 = now_ns();
	*pages = np;
	*runs = nruns;
	return t1 - t0;
}

/*
 * The floor of any O(dirty) harvest: the flat map's non-zero words alone,
 * known beforehand, prefetched 32 at a time, then loaded and exchanged,
 * with no structure to walk and no output. Returns the ns.
 */
static uint64_t floor_harvest(struct sl_harvest *h, uint64_t *pages)
{
	uint64_t t0, t1, i, j, end, np = 0;

	t0 = now_ns();
	for (i = 0; i < h->nwords; i = end) {
		end = i + 32 < h->nwords ? i + 32 : h->nwords;
		for (j = i; j < end; j++)
			__builtin_prefetch(&h->flat[h->words[j]], 1);
		for (j = i; j < end; j++)
			if (__atomic_load_n(&h->flat[h->words[j]],
					    __ATOMIC_RELAXED))
				np += (uint64_t)__builtin_popcountll(
					__atomic_exchange_n(&h->flat[h->words[j]],
							    0,
							    __ATOMIC_SEQ_CST));
	}
	t1 = now_ns();
	*pages = np;
	return t1 - t0;
}

/* iodirty_read_extents() of the whole domain; returns the ns. */
static uint64_t dom_harvest(struct sl_harvest *h, struct iodirty_domain *dom,
			    uint64_t *pages, uint64_t *runs)
{
	return dom_read_extents(dom, h->size, h->ext, h->nr, pages, runs);
}

static const char *const hv_name[] = {
	"flat bitmap", "1 log", "8 logs", "floor", "8 empty logs", "0 logs",
};

static uint64_t hv_run(void *arg)
{
	struct sl_hvar *v = arg;
	struct sl_harvest *h = v->h;
	uint64_t ns, pages, want = h->ndirty;

	switch (v->kind) {
	case HV_FLAT:
		ns = flat_harvest(h, &pages, &v->runs);
		break;
	case HV_FLOOR:
		ns = floor_harvest(h, &pages);
		break;
	case HV_ONE:
	case HV_EMPTY0:
		ns = dom_harvest(h, h->one.dom, &pages, &v->runs);
		break;
	default:
		ns = dom_harvest(h, h->eight.dom, &pages, &v->runs);
		break;
	}
	if (v->kind >= HV_EMPTY8)
		want = 0;
	if (pages != want)
		die("shared-log: %s harvest: %llu dirty pages, want %llu",
		    hv_name[v->kind], (unsigned long long)pages,
		    (unsigned long long)want);
	return ns;
}

/* Sets the pattern's distinct page count (marks the flat map, reads it). */
static void hv_count(struct sl_harvest *h)
{
	uint64_t i;

	for (i = 0; i < h->nlist; i++)
		flat_set(h, h->list[i], h->run);
	h->ndirty = bitmap_weight(h->flat, h->flat_bytes / 8);
	h->nwords = 0;
	for (i = 0; i < h->flat_bytes / 8; i++)
		if (h->flat[i])
			h->words[h->nwords++] = i;
	memset(h->flat, 0, h->flat_bytes);
}

static void hv_row_flat(struct sl_harvest *h, const char *what,
			struct timed *t, const struct sl_hvar *v)
{
	static char label[2][96];
	struct row r = { .bcase = "shared-log", .per = "read" };
	char *l = label[h->run == 1], sz[16];

	snprintf(l, sizeof(label[0]), "harvest %s, 0.01 %% %s, 1 log",
		 size_name(sz, sizeof(sz), h->size), what);
	r.variant = l;
	r.ns = t[HV_ONE].median;
	row_base(&r, "flat shared bitmap", t[HV_FLAT].median);
	row_extra(&r, "dirty pages", (double)h->ndirty);
	row_extra(&r, "runs", (double)v[HV_ONE].runs);
	row_extra(&r, "flat runs", (double)v[HV_FLAT].runs);
	row_extra(&r, "log MiB", (double)log_bytes(h->log1) / (double)MiB);
	row_extra(&r, "flat MiB", (double)h->flat_bytes / (double)MiB);
	row_target(&r, "harvest/flat", t[HV_ONE].median / t[HV_FLAT].median,
		   false, 0.10, "x");
	report_row(&r);
}

static void sl_harvest_rows(uint64_t *seed)
{
	static char label8[96], labele[96];
	struct sl_harvest h;
	struct sl_hvar v[HV_KINDS];
	struct timed t[HV_KINDS];
	static char labelf[96];
	struct row rf = { .bcase = "shared-log", .per = "read" };
	struct row r8 = { .bcase = "shared-log", .per = "read" };
	struct row re = { .bcase = "shared-log", .per = "read" };
	uint64_t *list, i, per;
	unsigned int k;
	char sz[16];

	memset(&h, 0, sizeof(h));
	h.size = bench.quick ? 16 * GiB : 1 * TiB;
	h.npages = h.size / PAGE;
	per = h.size / SL_NLOGS;
	h.nr = h.npages / 10000 + 64;
	h.ext = mem_alloc(h.nr * sizeof(*h.ext));
	list = malloc((h.npages / 10000 + 1) * sizeof(*list));
	if (!list)
		die("out of memory");
	h.list = list;
	/* At most one word a run of the random pattern, two of the other. */
	h.words = malloc((h.npages / 10000 + 1) * sizeof(*h.words));
	if (!h.words)
		die("out of memory");

	/* The vhost-user log: a shared memory file, pages faulted in. */
	h.flat_bytes = h.npages / 8;
	h.flat_fd = memfd_create("vhost-log", MFD_CLOEXEC);
	if (h.flat_fd < 0 || ftruncate(h.flat_fd, (off_t)h.flat_bytes))
		die("memfd of the flat bitmap failed");
	h.flat = mmap(NULL, h.flat_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		      h.flat_fd, 0);
	if (h.flat == MAP_FAILED)
		die("mmap of the flat bitmap failed");
	memset(h.flat, 0, h.flat_bytes);
	cache_evict();	/* allocate the eviction buffer now */

	dom_open(&h.one, 0, h.size, true);
	check(iodirty_log_export(h.one.dom, 0, h.size, 0, &h.log1),
	      "log_export");
	check(iodirty_log_import(iodirty_log_fd(h.log1), 0, &h.h1),
	      "log_import");
	dom_open(&h.eight, 0, h.size, true);
	for (k = 0; k < SL_NLOGS; k++) {
		check(iodirty_log_export(h.eight.dom, k * per, per, 0,
					 &h.log8[k]), "log_export");
		check(iodirty_log_import(iodirty_log_fd(h.log8[k]), 0,
					 &h.h8[k]), "log_import");
	}
	for (k = 0; k < HV_KINDS; k++) {
		v[k] = (struct sl_hvar){ &h, (enum sl_hkind)k, 0 };
		t[k] = (struct timed){ .setup = hv_setup, .run = hv_run,
				       .arg = &v[k] };
	}

	/* 0.01 % in runs of 64 pages, at random (unaligned) offsets. */
	h.run = 64;
	h.nlist = (h.npages / 10000 + 32) / 64;
	for (i = 0; i < h.nlist; i++)
		list[i] = rng_below(seed, h.npages - h.run + 1);
	hv_count(&h);
	time_interleaved(t, 2);
	hv_row_flat(&h, "in runs of 64", t, v);

	/* 0.01 % random pages: 1 log, flat, 8 logs, interleaved. */
	h.run = 1;
	h.nlist = h.npages / 10000;
	for (i = 0; i < h.nlist; i++)
		list[i] = rng_below(seed, h.npages);
	hv_count(&h);
	time_interleaved(t, 4);
	hv_row_flat(&h, "random pages", t, v);

	snprintf(labelf, sizeof(labelf), "floor %s, 0.01 %% random",
		 size_name(sz, sizeof(sz), h.size));
	rf.variant = labelf;
	rf.ns = t[HV_FLOOR].median;
	row_base(&rf, "flat shared bitmap", t[HV_FLAT].median);
	row_extra(&rf, "dirty words", (double)h.nwords);
	row_extra(&rf, "1 log / floor", t[HV_ONE].median / t[HV_FLOOR].median);
	report_row(&rf);

	snprintf(label8, sizeof(label8), "harvest %s, 0.01 %% random, %u logs",
		 size_name(sz, sizeof(sz), h.size), SL_NLOGS);
	r8.variant = label8;
	r8.ns = t[HV_EIGHT].median;
	row_base(&r8, "1 log, same pages", t[HV_ONE].median);
	row_extra(&r8, "dirty pages", (double)h.ndirty);
	row_extra(&r8, "runs", (double)v[HV_EIGHT].runs);
	row_extra(&r8, "GiB per log", (double)(per / GiB));
	report_row(&r8);

	/* Empty reads: 8 logs against none (the 1-log domain, revoked). */
	iodirty_domain_destroy(h.h1);
	h.h1 = NULL;
	check(iodirty_log_revoke(h.log1), "log_revoke");
	h.log1 = NULL;
	h.nlist = 0;
	h.ndirty = 0;
	time_interleaved(&t[HV_EMPTY8], 2);
	snprintf(labele, sizeof(labele), "empty read %s, %u logs",
		 size_name(sz, sizeof(sz), h.size), SL_NLOGS);
	re.variant = labele;
	re.ns = t[HV_EMPTY8].median;
	row_base(&re, "0 logs", t[HV_EMPTY0].median);
	row_extra(&re, "ns per empty log",
		  (t[HV_EMPTY8].median - t[HV_EMPTY0].median) / SL_NLOGS);
	report_row(&re);

	for (k = 0; k < SL_NLOGS; k++) {
		iodirty_domain_destroy(h.h8[k]);
		check(iodirty_log_revoke(h.log8[k]), "log_revoke");
	}
	dom_close(&h.eight);
	dom_close(&h.one);
	munmap(h.flat, h.flat_bytes);
	close(h.flat_fd);
	free(list);
	free(h.words);
	mem_free(h.ext, h.nr * sizeof(*h.ext));
}

void case_shared_log(void)
{
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
	struct iodirty_ctx *ctx;
	uint64_t seed = 0x73686c67;	/* "shlg" */

	report_case("shared-log", "device-process logs: mark vs in-process, "
		    "harvest vs flat shared bitmap, 8 logs");
	check(iodirty_ctx_open("soft", NULL, &ctx), "ctx_open");
	check(iodirty_ctx_caps(ctx, &caps), "ctx_caps");
	iodirty_ctx_close(ctx);
	if (!(caps.flags & IODIRTY_CAP_SHARED_LOG)) {
		report_note("skipped: the soft backend lacks "
			    "IODIRTY_CAP_SHARED_LOG");
		return;
	}
	sl_mark_size(64 * GiB, &seed, false);
	sl_mark_size(1 * GiB, &seed, false);
	sl_mark_size(1 * GiB, &seed, true);
	sl_harvest_rows(&seed);
}
