// SPDX-License-Identifier: MIT
/* iodirty-bench: what the figures were measured on. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

void machine_probe(struct machine *m)
{
	char line[256];
	FILE *f;

	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	m->llc = cache_llc_bytes();
	snprintf(m->cpu, sizeof(m->cpu), "unknown");
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		size_t n;

		if (!colon || (strncmp(line, "model name", 10) &&
			       strncmp(line, "Processor", 9)))
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		n = strcspn(colon, "\n");
		snprintf(m->cpu, sizeof(m->cpu), "%.*s", (int)n, colon);
		break;
	}
	fclose(f);
}
