// SPDX-License-Identifier: MIT
/*
 * A fuzzer of the family's policies: random commands, flags, attribute
 * types, lengths and payloads, handles of live and dead IOASes, garbage
 * after the header. Every request must get an answer (data, the end of a
 * dump, or an error); errors must be errnos the family can give; attribute
 * errors must come with an extended ack message. The VM tier checks the
 * kernel log for splats.
 */
#include "nl_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#define ROUNDS 20000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One raw request; the answer's errno (0: data or done). */
static int request(int s, uint32_t family, uint32_t *live, size_t nlive,
		   bool *extack)
{
	static union {
		struct nlmsghdr h;
		char b[512];
	} req;
	/* Room for any skb of a dump: data and the end share one. */
	static union {
		struct nlmsghdr h;
		char b[1 << 17];
	} ans;
	struct genlmsghdr *g;
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
	static uint32_t seq;
	int err = 0;

	memset(&req, 0, sizeof(req));
	g = NLMSG_DATA(&req.h);
	g->cmd = (uint8_t)(rnd() % 7);
	g->version = (uint8_t)(rnd() % 3);
	/* One in four well formed: a command with a live or dead handle. */
	if (rnd() % 4 == 0 && nlive) {
		struct nlattr *a = (struct nlattr *)(req.b + len);
		uint32_t v = live[rnd() % nlive];

		g->cmd = (uint8_t)(1 + rnd() % 3);
		a->nla_type = 1;
		a->nla_len = NLA_HDRLEN + 4;
		memcpy((char *)a + NLA_HDRLEN, &v, 4);
		len += NLA_HDRLEN + 4;
		goto send;
	}
	for (int n = (int)(rnd() % 6); n > 0; n--) {
		struct nlattr *a = (struct nlattr *)(req.b + len);
		uint16_t plen = (uint16_t)(rnd() % 5 == 0 ? rnd() % 40 :
					    (rnd() % 3) * 4);
		uint32_t v;

		if (len + NLA_HDRLEN + NLA_ALIGN(plen) > sizeof(req.b))
			break;
		a->nla_type = (uint16_t)(rnd() % 8 ? rnd() % 30 : rnd());
		a->nla_len = (uint16_t)(NLA_HDRLEN + plen);
		for (uint16_t i = 0; i < plen; i++)
			((uint8_t *)a + NLA_HDRLEN)[i] = (uint8_t)rnd();
		if (plen == 4 && nlive && rnd() % 2) {
			v = live[rnd() % nlive];
			memcpy((char *)a + NLA_HDRLEN, &v, 4);
		}
		/* Now and then a length that lies. */
		if (rnd() % 16 == 0)
			a->nla_len = (uint16_t)(rnd() % 64);
		len += NLA_HDRLEN + NLA_ALIGN(plen);
	}
	if (rnd() % 16 == 0)
		len += rnd() % 7;	/* trailing garbage */
send:
	req.h.nlmsg_len = (uint32_t)len;
	req.h.nlmsg_type = (uint16_t)family;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			    (rnd() % 2 ? NLM_F_DUMP : 0);
	req.h.nlmsg_seq = ++seq;
	assert_int_equal(send(s, &req, len, 0), (ssize_t)len);
	/* Read until this request's ack, error or done. */
	for (;;) {
		ssize_t r = recv(s, &ans, sizeof(ans), MSG_TRUNC);
		struct nlmsghdr *h;
		int rem;

		if (r < 0) {
			print_error("no answer to cmd %u (seq %u): %s\n",
				    g->cmd, seq, strerror(errno));
			fail();
		}
		assert_true((size_t)r <= sizeof(ans));
		rem = (int)r;
		for (h = &ans.h; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return err;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				*extack = h->nlmsg_flags & NLM_F_ACK_TLVS;
				return e->error;
			}
		}
	}
}

static void test_fuzz(void **state)
{
	uint32_t live[4], ioas[3], dead;
	unsigned int nerr[8] = { 0 }, with_ack = 0, einval = 0;
	struct timeval tv = { .tv_sec = 10 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct ctl_nl nl;
	int s, one = 1, fdv = u_open_ok();
	char *ram = u_ram(16 * U_PAGE);

	(void)state;
	for (int i = 0; i < 3; i++) {
		ioas[i] = u_ioas_ok(fdv, 48, 12);
		u_map_ok(fdv, ioas[i], 0x100000, ram, 16 * U_PAGE, U_RW);
		live[i] = n_handle(fdv, ioas[i]);
	}
	dead = live[2];
	U_EQ(u_destroy(fdv, ioas[2]), 0);
	live[2] = dead;
	live[3] = 0;
	n_nl_open(&nl);
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	for (int r = 0; r < ROUNDS; r++) {
		bool ext = false;
		int e = request(s, (uint32_t)nl.family, live, 4, &ext);

		switch (e) {
		case 0:
			nerr[0]++;
			break;
		case -EINVAL:
			nerr[1]++;
			einval++;
			with_ack += ext;
			break;
		case -ENOENT:
			nerr[2]++;
			break;
		case -EOPNOTSUPP:
			nerr[3]++;
			break;
		case -ERANGE:
			nerr[4]++;
			break;
		case -EPERM:
		case -EMSGSIZE:
			nerr[5]++;
			break;
		default:
			print_error("unexpected answer %d\n", e);
			fail();
		}
	}
	print_message("%d requests: %u answered, EINVAL %u (%u with an "
		      "extended ack), ENOENT %u, EOPNOTSUPP %u, ERANGE %u, "
		      "other %u\n", ROUNDS, nerr[0], nerr[1], with_ack,
		      nerr[2], nerr[3], nerr[4], nerr[5]);
	/* Each kind of answer happened, and bad attributes were explained. */
	assert_true(nerr[0] > 0 && nerr[1] > 0 && nerr[2] > 0 && nerr[3] > 0);
	assert_true(with_ack > einval / 2);
	close(s);
	ctl_nl_close(&nl);
	close(fdv);
	u_ram_free(ram, 16 * U_PAGE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz),
	};

	n_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
