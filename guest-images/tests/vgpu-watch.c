// SPDX-License-Identifier: MIT
/*
 * vgpu-watch: the host's view of one emulated vGPU while a VM guest drives
 * it. Opens the device over vfio-user like any display client, registers
 * the display irq, and until SIGTERM/SIGINT (or --seconds) counts primary
 * and cursor signals and samples the primary plane every few milliseconds:
 * a change of the plane's dmabuf id is a flip the device latched. Prints one
 * summary line:
 *   vgpu-watch: primary=N cursor=N plane_changes=N plane=WxH frmcount=N
 * with "registered" on stderr once the irq is registered (the caller starts
 * the guest's work after that line).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrc/i915_regs.h"
#include "vrc/irq.h"
#include "vrc/transport.h"

#define SAMPLE_MS	4

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vgpu-watch --socket=PATH [--seconds=N]\n"
"Watch an emulated vGPU (vgpu-sim's vgpuN.vfio-user socket) from the host:\n"
"count display-irq signals and primary-plane changes (latched flips) until\n"
"SIGTERM/SIGINT or N seconds (default 60), then print a summary line.\n"
"Prints \"vgpu-watch: registered\" on stderr once listening.\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL;
	unsigned long seconds = 60;
	struct vrc_transport *t = NULL;
	struct vrc_display_irq irq;
	struct sigaction sa;
	uint64_t primary = 0, cursor = 0, changes = 0;
	uint32_t last_id = 0, frm = 0, w = 0, h = 0;
	char err[256];
	double end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *e;

		switch (c) {
		case 's': sock = optarg; break;
		case 't':
			errno = 0;
			seconds = strtoul(optarg, &e, 10);
			if (errno || *e || !seconds || seconds > 3600) {
				fprintf(stderr, "vgpu-watch: --seconds=%s: want 1..3600\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!sock || optind != argc) {
		fprintf(stderr, "vgpu-watch: --socket=PATH is required (see --help)\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	memset(&irq, 0, sizeof(irq));
	irq.efd[0] = irq.efd[1] = -1;
	if ((rc = vrc_vfio_user_open(sock, 5000, &t, err, sizeof(err)))) {
		fprintf(stderr, "vgpu-watch: %s: %s\n", sock, err);
		return 1;
	}
	if ((rc = vrc_display_irq_find(t, &irq, err, sizeof(err)))) {
		fprintf(stderr, "vgpu-watch: %s: no display irq: %s\n", sock, err);
		goto out;
	}
	irq.frmcount_reg = VRC_PIPE_FRMCOUNT(0);
	if ((rc = vrc_display_irq_register(&irq))) {
		fprintf(stderr, "vgpu-watch: registering the display irq: %s\n", strerror(-rc));
		goto out;
	}
	fprintf(stderr, "vgpu-watch: registered\n");

	end = now_s() + (double)seconds;
	while (!stop && now_s() < end) {
		struct vrc_signal sig;
		struct vrc_plane p;

		rc = vrc_display_irq_wait(&irq, SAMPLE_MS, &sig);
		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, "vgpu-watch: reading the display irq: %s\n", strerror(-rc));
			goto out;
		}
		if (rc > 0) {
			primary += sig.counts.primary;
			cursor += sig.counts.cursor;
		}
		if (!vrc_plane_query(t, VRC_PLANE_PRIMARY, &p) && p.info.drm_format) {
			if (last_id && p.info.dmabuf_id != last_id)
				changes++;
			last_id = p.info.dmabuf_id;
			w = p.info.width;
			h = p.info.height;
		}
	}
	vrc_read_frame_counter(t, VRC_PIPE_FRMCOUNT(0), &frm);
	printf("vgpu-watch: primary=%llu cursor=%llu plane_changes=%llu plane=%ux%u frmcount=%u\n",
	       (unsigned long long)primary, (unsigned long long)cursor,
	       (unsigned long long)changes, w, h, frm);
	rc = 0;
out:
	vrc_display_irq_close(&irq);
	vrc_transport_close(t);
	return rc ? 1 : 0;
}
