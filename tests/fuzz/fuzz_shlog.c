// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the shared dirty log's take (lib/shlog.c), the code
 * that reads memory a hostile device process writes.
 *
 * Input: 4 bytes pick the window (1 to 2^20 granules); then records of
 * 13 bytes, each a word written into the region (a byte picks a level, or
 * any word of the region, header and padding included; 4 bytes the word;
 * 8 the value): half of them before the take, the rest by the take's
 * callback while it runs, as a concurrent writer would. Checks: every run lies in the
 * window and in the word the take asked about last (each stream of
 * questions ascending, the word wanted), a take returns at most one bit per granule (each word is taken
 * once), and, after the scribbling, granules marked through the mark path
 * are all returned by the next take, whatever state the region was left
 * in. ASan and UBSan (this target's own flags) catch any access outside
 * the region.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shlog.h"

struct scribbler {
	uint8_t *region;
	uint64_t size;
	const uint8_t *in;
	size_t len;
	const struct iod_shlog_geo *g;
	uint64_t runs, granules;
	uint8_t *seen;		/* granules returned by the checked take */
	/* The last question of each stream, and the last word's answer. */
	uint64_t range_first, word_first;
	bool word_wanted;
};

static uint64_t take_u64(struct scribbler *s)
{
	uint64_t v = 0;
	size_t n = s->len < 8 ? s->len : 8;

	memcpy(&v, s->in, n);
	s->in += n;
	s->len -= n;
	return v;
}

/*
 * One word written where a record says: in a level (so that summaries,
 * which are a 64th of the region, are hit as often as the leaves), or
 * anywhere. Returns false when the input is used up.
 */
static bool scribble(struct scribbler *s)
{
	uint32_t sel, at;
	uint64_t word, v;

	if (s->len < 13)
		return false;
	sel = s->in[0];
	memcpy(&at, s->in + 1, 4);
	memcpy(&v, s->in + 5, 8);
	s->in += 13;
	s->len -= 13;
	if (sel % (s->g->levels + 1) == s->g->levels)
		word = at % (s->size / 8);
	else
		word = s->g->off[sel % (s->g->levels + 1)] / 8 +
		       at % s->g->words[sel % (s->g->levels + 1)];
	memcpy(s->region + word * 8, &v, 8);
	return true;
}

/*
 * Which ranges the take follows: all of them in the checked take; in the
 * first, those the input says (a byte a question), as a VMM that follows
 * only its mapped ranges would. @last is the stream's last question.
 */
static bool want(struct scribbler *s, uint64_t *last, uint64_t first,
		 uint64_t end)
{
	if (first >= end || first >= s->g->granules)
		abort();	/* asked about nothing, or past the window */
	if (first < *last)
		abort();	/* the stream is not ascending */
	*last = first;
	if (s->seen || !s->len)
		return true;
	s->in++;
	s->len--;
	return s->in[-1] & 1;
}

static bool on_want_range(void *arg, uint64_t first, uint64_t end)
{
	struct scribbler *s = arg;

	if (end - first < 4096)
		abort();	/* a range is 64^l granules, l >= 2 */
	return want(s, &s->range_first, first, end);
}

static bool on_want_word(void *arg, uint64_t first, uint64_t end)
{
	struct scribbler *s = arg;

	if (first % 64 || end - first != 64)
		abort();
	s->word_wanted = want(s, &s->word_first, first, end);
	return s->word_wanted;
}

static void on_run(void *arg, uint64_t first, uint64_t n)
{
	struct scribbler *s = arg;

	if (!n || first >= s->g->granules || n > s->g->granules - first)
		abort();
	/*
	 * Within the word asked about last, which was wanted: a caller that
	 * clips runs with a cursor moved by its answers relies on it.
	 */
	if (!s->word_wanted || first < s->word_first ||
	    first + n > s->word_first + 64)
		abort();
	s->runs++;
	s->granules += n;
	if (s->seen)
		memset(s->seen + first, 1, n);
	/* A concurrent writer: one word, per run taken. */
	scribble(s);
}

static const struct iod_shlog_take_ops ops = {
	.want_range = on_want_range,
	.want_word = on_want_word,
	.run = on_run,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scribbler s = { .in = data, .len = size };
	struct iod_shlog_geo g;
	uint64_t n, first, cnt, i;
	uint32_t w = 0;

	if (size < 4)
		return 0;
	memcpy(&w, data, 4);
	s.in += 4;
	s.len -= 4;
	n = 1 + w % (1u << 20);
	if (iod_shlog_geo_init(&g, 1ULL << 30, n << 12, 12))
		abort();
	s.g = &g;
	s.size = g.size;
	s.region = aligned_alloc(4096, g.size);
	if (!s.region)
		return 0;
	memset(s.region, 0, g.size);
	iod_shlog_hdr_fill(s.region, &g);
	for (i = s.len / 26; i > 0 && scribble(&s); i--)
		;

	iod_shlog_take(s.region, &g, &ops, &s);
	if (s.granules > n)
		abort();	/* a granule taken twice: a word read twice */

	/* Marks made after the scribbling are all found. */
	s.seen = calloc(n, 1);
	if (!s.seen) {
		free(s.region);
		return 0;
	}
	for (i = 0; i < 4 && s.len >= 16; i++) {
		first = take_u64(&s) % n;
		cnt = 1 + take_u64(&s) % (n - first < 300 ? n - first : 300);
		iod_shlog_mark(s.region, &g, first, first + cnt);
		memset(s.seen + first, 2, cnt);
	}
	s.len = 0;	/* no writer during the checked take */
	s.granules = 0;
	s.range_first = s.word_first = 0;
	s.word_wanted = false;
	iod_shlog_take(s.region, &g, &ops, &s);
	for (i = 0; i < n; i++)
		if (s.seen[i] == 2)
			abort();	/* marked, not returned */
	free(s.seen);
	free(s.region);
	return 0;
}
