// SPDX-License-Identifier: MIT
/* iodirty-bench: timing, random numbers, memory and cache helpers. */
#include <malloc.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"
#include "bench_config.h"

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("iodirty-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int64_t check(int64_t ret, const char *what)
{
	if (ret < 0)
		die("%s: %s", what, iodirty_strerror((int)ret));
	return ret;
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double median_u64(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	if (n % 2)
		return (double)v[n / 2];
	return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

double time_median(void (*setup)(void *), uint64_t (*run)(void *),
		   void *arg)
{
	uint64_t t[64];
	unsigned int i, n = bench.reps;

	if (n > 64)
		n = 64;
	for (i = 0; i < bench.warmup + n; i++) {
		uint64_t ns;

		if (setup)
			setup(arg);
		ns = run(arg);
		if (i >= bench.warmup)
			t[i - bench.warmup] = ns;
	}
	return median_u64(t, n);
}

void time_interleaved(struct timed *v, unsigned int n)
{
	uint64_t t[16][64];
	unsigned int round, k, reps = bench.reps;

	if (reps > 64)
		reps = 64;
	if (n > 16)
		die("time_interleaved: too many variants");
	for (round = 0; round < bench.warmup + reps; round++) {
		for (k = 0; k < n; k++) {
			struct timed *x = &v[(round + k) % n];
			uint64_t ns;

			if (x->setup)
				x->setup(x->arg);
			ns = x->run(x->arg);
			if (round >= bench.warmup)
				t[x - v][round - bench.warmup] = ns;
		}
	}
	for (k = 0; k < n; k++) {
		v[k].median = median_u64(t[k], reps);	/* sorts */
		v[k].min = (double)t[k][0];
		v[k].max = (double)t[k][reps - 1];
	}
}

void spin_start(_Atomic unsigned int *arrived, unsigned int n)
{
	atomic_fetch_add(arrived, 1);
	while (atomic_load_explicit(arrived, memory_order_acquire) < n) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

double overlap_of(const uint64_t *t0, const uint64_t *t1, unsigned int n)
{
	uint64_t start = UINT64_MAX, end = 0, last_start = 0;
	uint64_t first_end = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (t0[i] < start)
			start = t0[i];
		if (t1[i] > end)
			end = t1[i];
		if (t0[i] > last_start)
			last_start = t0[i];
		if (t1[i] < first_end)
			first_end = t1[i];
	}
	if (end <= start || first_end <= last_start)
		return 0;
	return (double)(first_end - last_start) / (double)(end - start);
}

void sleep_until_ns(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
		.tv_nsec = (long)(deadline_ns % 1000000000ULL),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

double loadavg1(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lf", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

uint64_t rng_below(uint64_t *s, uint64_t n)
{
	/* The modulo bias is below 2^-30 for the sizes used here. */
	return rng_next(s) % n;
}

void *mem_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap of %zu bytes failed", size);
	/* Written, not just read: reads would map the shared zero page. */
	memset(p, 0x5a, size);
	return p;
}

void *mem_reserve(size_t size)
{
	void *p = mmap(NULL, size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("cannot reserve %zu bytes of address space", size);
	return p;
}

void *mem_reserve_rw(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("cannot reserve %zu bytes of read-write address space",
		    size);
	return p;
}

void mem_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

size_t cache_llc_bytes(void)
{
	static const char *const paths[] = {
		"/sys/devices/system/cpu/cpu0/cache/index3/size",
		"/sys/devices/system/cpu/cpu0/cache/index2/size",
	};
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = fopen(paths[i], "r");
		unsigned long v;
		char unit = 0;
		int n;

		if (!f)
			continue;
		n = fscanf(f, "%lu%c", &v, &unit);
		fclose(f);
		if (n < 1 || !v)
			continue;
		if (unit == 'K')
			v *= 1024;
		else if (unit == 'M')
			v *= 1024 * 1024;
		return v;
	}
	return 32 * MiB;
}

static volatile uint64_t evict_sink;

void cache_evict(void)
{
	static uint64_t *buf;
	static size_t words;
	uint64_t sum = 0;
	size_t i, bytes;

	if (!buf) {
		bytes = 4 * cache_llc_bytes();
		if (bytes < 64 * MiB)
			bytes = 64 * MiB;
		if (bytes > 512 * MiB)
			bytes = 512 * MiB;
		buf = mem_alloc(bytes);
		words = bytes / 8;
	}
	/* One load per cache line; the lines are clean, nothing written. */
	for (i = 0; i < words; i += 8)
		sum += buf[i];
	evict_sink = sum;
}

unsigned int popcount64(uint64_t x)
{
	return (unsigned int)__builtin_popcountll(x);
}

uint64_t bitmap_weight(const uint64_t *bm, size_t nwords)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < nwords; i++)
		if (bm[i])
			n += popcount64(bm[i]);
	return n;
}

uint64_t bitmap_nonzero_words(const uint64_t *bm, size_t nwords)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < nwords; i++)
		n += bm[i] != 0;
	return n;
}

int64_t malloc_in_use(void)
{
#if BENCH_HAVE_MALLINFO2
	struct mallinfo2 mi = mallinfo2();

	return (int64_t)(mi.uordblks + mi.hblkhd);
#else
	return -1;
#endif
}
