// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo --device-process: the device in a child process.
 *
 * The VMM (this process) exports one dirty log of its domain for each IOVA
 * range that maps the RAM, so one harvest merges three logs, each with the
 * domain's mapping table shared read-only (IODIRTY_LOG_MAPPINGS). The
 * child imports them, runs the device threads (demo_device.c), which
 * write the shared RAM either through their own pointer and then mark
 * through a log, or through a log's handle (iodirty_dma_write(), which
 * translates by the table, writes and marks), and exits once they are
 * told to stop. The VMM's harvests are unchanged: its
 * reads of the domain take what the logs hold. When the child is gone,
 * revoking the logs takes their last marks into the domain, so the
 * stop-and-copy still sees every write.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"

/* The child: imports the logs, runs the threads until told to stop. */
static void device_child(struct demo *d, pid_t vmm)
{
	int err = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != vmm)
		_exit(1);	/* the VMM died before the line above */
	for (unsigned int i = 0; i < DEMO_N_MAPS && !err; i++) {
		err = iodirty_log_import(iodirty_log_fd(d->logs[i]), 0,
					 &d->dev_logs[i]);
		/* The RAM is at the same address here: the fork kept it. */
		if (!err)
			err = iodirty_log_import_maps(d->dev_logs[i],
					iodirty_log_maps_fd(d->logs[i]), 0);
		if (!err)
			err = iodirty_log_add_memory(d->dev_logs[i],
						     (uintptr_t)d->ram, d->ram,
						     d->ram_size);
		if (err)
			ctl_err(err, "demo: device process: importing the log "
				"of the %s", d->maps[i].name);
	}
	if (!err)
		err = demo_threads_start(d);
	if (err)
		atomic_store(&d->sh->dev_failed, true);
	/* The threads stop when the VMM says so, or on an error. */
	if (demo_threads_join(d))
		err = -EIO;
	for (unsigned int i = 0; i < DEMO_N_MAPS; i++)
		iodirty_domain_destroy(d->dev_logs[i]);
	fflush(NULL);
	_exit(err ? 1 : 0);
}

int demo_process_start(struct demo *d)
{
	pid_t vmm = getpid();
	int err;

	for (unsigned int i = 0; i < DEMO_N_MAPS; i++) {
		err = iodirty_log_export(d->dom, d->maps[i].iova,
					 d->maps[i].len, IODIRTY_LOG_MAPPINGS,
					 &d->logs[i]);
		if (err) {
			ctl_err(err, "demo: exporting a dirty log of the %s",
				d->maps[i].name);
			return err;
		}
	}
	fflush(NULL);
	d->dev_pid = fork();
	if (d->dev_pid < 0) {
		err = -errno;
		ctl_err(err, "demo: starting the device process");
		return err;
	}
	if (!d->dev_pid)
		device_child(d, vmm);
	return 0;
}

int demo_process_stop(struct demo *d)
{
	int status = 0, err = 0;
	pid_t w;

	if (d->dev_pid > 0) {
		while ((w = waitpid(d->dev_pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		if (w < 0) {
			err = -errno;
			ctl_err(err, "demo: waiting for the device process");
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ctl_msg("demo: the device process failed (%s %d)",
				WIFEXITED(status) ? "exit status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) :
				WTERMSIG(status));
			err = -EIO;
		}
		d->dev_pid = 0;
	}
	for (unsigned int i = 0; i < DEMO_N_MAPS; i++) {
		int r = d->logs[i] ? iodirty_log_revoke(d->logs[i]) : 0;

		if (r) {
			ctl_err(r, "demo: revoking the log of the %s",
				d->maps[i].name);
			err = err ? err : r;
		}
		d->logs[i] = NULL;
	}
	return err;
}
