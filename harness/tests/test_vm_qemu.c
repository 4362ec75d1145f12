// SPDX-License-Identifier: MIT
/*
 * The launcher against real QEMU with `-machine none` (QMP without a guest):
 * start, greeting + capabilities, query-status, events, errors, quit and exit
 * status, a QEMU killed mid-session, a bad QEMU command line, QEMU not
 * outliving its parent. And the qemu-ga client against a scripted agent on a
 * socketpair (the peer below the client under test): resync over stale
 * bytes, guest-exec polling with base64 output, file fetch, a silent agent.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrc/vtest.h"
#include "vrc/util.h"
#include "harness/vm/qga.h"
#include "harness/vm/qmp.h"
#include "harness/vm/vm.h"

static char run_dir[64];

static void need_qemu(void)
{
	if (system("command -v qemu-system-x86_64 >/dev/null 2>&1"))
		SKIP("qemu-system-x86_64 not installed (scripts/install-deps.sh)");
	snprintf(run_dir, sizeof(run_dir), "/tmp/vrc-vmtest.XXXXXX");
	ASSERT_TRUE(mkdtemp(run_dir) != NULL);
}

static void rm_run_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run_dir);
	ASSERT_EQ(0, system(cmd));
}

static struct vrc_vm *start_none(struct vrc_vm_config *c)
{
	char err[512] = "";
	struct vrc_vm *vm;

	c->machine = "none";
	c->run_dir = run_dir;
	c->accel = VRC_VM_ACCEL_TCG;
	int rc = vrc_vm_start(c, &vm, err, sizeof(err));
	if (rc)
		VTEST_LOG("start: %s", err);
	ASSERT_EQ(0, rc);
	return vm;
}

TEST(qmp_none_lifecycle)
{
	struct vrc_vm_config c = { 0 };
	struct json_object *ret, *v;
	char err[512] = "";
	int status = -1;

	need_qemu();
	int fds = vrc_count_open_fds();
	struct vrc_vm *vm = start_none(&c);
	ASSERT_EQ(VRC_VM_OK, (int)vrc_vm_outcome(vm));
	/* query-status through the launcher; a machine with no guest runs. */
	ASSERT_EQ(0, vrc_vm_qmp(vm, "query-status", NULL, &ret, 5000, err, sizeof(err)));
	ASSERT_TRUE(json_object_object_get_ex(ret, "status", &v));
	ASSERT_STREQ("running", json_object_get_string(v));
	json_object_put(ret);
	/* The accelerator QEMU really uses is the one we named. */
	ASSERT_EQ(0, vrc_vm_qmp(vm, "query-kvm", NULL, &ret, 5000, err, sizeof(err)));
	ASSERT_TRUE(json_object_object_get_ex(ret, "enabled", &v));
	ASSERT_FALSE(json_object_get_boolean(v));
	json_object_put(ret);
	/* An error reply is an error, with QEMU's class. */
	ASSERT_EQ(-EREMOTEIO, vrc_vm_qmp(vm, "no-such-command", NULL, NULL, 5000, err,
					 sizeof(err)));
	ASSERT_TRUE(strstr(err, "CommandNotFound") != NULL);
	/* Events: stop -> STOP. */
	ASSERT_EQ(0, vrc_vm_qmp(vm, "stop", NULL, NULL, 5000, err, sizeof(err)));
	ASSERT_EQ(0, vrc_vm_qmp(vm, "query-status", NULL, &ret, 5000, err, sizeof(err)));
	ASSERT_TRUE(json_object_object_get_ex(ret, "status", &v));
	ASSERT_STREQ("paused", json_object_get_string(v));
	json_object_put(ret);
	/* Shutdown: no guest, so quit; a clean exit 0, no crash. */
	ASSERT_EQ(0, vrc_vm_shutdown(vm, err, sizeof(err)));
	ASSERT_STREQ("quit", vrc_vm_ended_by(vm));
	ASSERT_TRUE(vrc_vm_exited(vm, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(VRC_VM_OK, (int)vrc_vm_outcome(vm));
	vrc_vm_free(vm);
	ASSERT_EQ(fds, vrc_count_open_fds());
	rm_run_dir();
}

TEST(qmp_client_by_path)
{
	struct vrc_qmp q;
	char err[512] = "", path[128], arg[200], st[32];
	bool running = false;
	int status;

	need_qemu();
	/* QEMU started by hand with a socket path (as a lab engineer would). */
	snprintf(path, sizeof(path), "%s/qmp.sock", run_dir);
	snprintf(arg, sizeof(arg), "unix:%s,server=on,wait=off", path);
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-machine", "none",
		       "-nodefaults", "-display", "none", "-qmp", arg, (char *)NULL);
		_exit(127);
	}
	int rc = -1;
	for (int i = 0; i < 100 && rc; i++) {
		rc = vrc_qmp_connect(&q, path, 5000, err, sizeof(err));
		if (rc) {
			vrc_qmp_close(&q);
			usleep(50000);
		}
	}
	if (rc)
		kill(pid, SIGKILL);
	ASSERT_EQ(0, rc);
	ASSERT_GE(q.ver_major, 7);
	ASSERT_EQ(0, vrc_qmp_query_status(&q, st, sizeof(st), &running, 5000, err, sizeof(err)));
	ASSERT_STREQ("running", st);
	ASSERT_TRUE(running);
	ASSERT_EQ(0, vrc_qmp_quit(&q, 5000, err, sizeof(err)));
	ASSERT_EQ(0, vrc_qmp_wait_event(&q, "SHUTDOWN", 5000, NULL, err, sizeof(err)));
	ASSERT_STREQ("host-qmp-quit", q.ev.shutdown_reason);
	ASSERT_FALSE(q.ev.shutdown_guest);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* QEMU is gone: the client says so instead of waiting. */
	ASSERT_EQ(-EPIPE, vrc_qmp_cmd(&q, "query-status", NULL, NULL, 5000, NULL, err, sizeof(err)));
	vrc_qmp_close(&q);
	ASSERT_NE(0, vrc_qmp_connect(&q, path, 1000, err, sizeof(err)));
	vrc_qmp_close(&q);
	rm_run_dir();
}

TEST(qmp_qemu_killed_mid_session)
{
	struct vrc_vm_config c = { 0 };
	char err[512] = "";

	need_qemu();
	struct vrc_vm *vm = start_none(&c);
	ASSERT_EQ(0, vrc_vm_qmp(vm, "query-status", NULL, NULL, 5000, err, sizeof(err)));
	ASSERT_EQ(0, kill(vrc_vm_pid(vm), SIGKILL));
	int64_t t0 = vrc_now_ms();
	int rc = vrc_vm_qmp(vm, "query-status", NULL, NULL, 20000, err, sizeof(err));
	VTEST_LOG("after SIGKILL: %s", err);
	ASSERT_EQ(-ECHILD, rc);
	ASSERT_LT(vrc_now_ms() - t0, 5000);	/* noticed at once, not at the timeout */
	ASSERT_EQ(VRC_VM_CRASH, (int)vrc_vm_outcome(vm));
	ASSERT_TRUE(strstr(vrc_vm_reason(vm), "killed by signal 9") != NULL);
	/* Sticky: later calls say the same without waiting. */
	ASSERT_EQ(-ECHILD, vrc_vm_qmp(vm, "query-status", NULL, NULL, 20000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "crash") != NULL);
	ASSERT_EQ(-ECHILD, vrc_vm_shutdown(vm, err, sizeof(err)));
	vrc_vm_free(vm);
	rm_run_dir();
}

TEST(qemu_bad_command_line)
{
	struct vrc_vm_config c = { .machine = "none", .accel = VRC_VM_ACCEL_TCG };
	struct vrc_vm *vm;
	char err[512] = "";

	need_qemu();
	c.run_dir = run_dir;
	c.extra[c.n_extra++] = "-frobnicate";
	ASSERT_NE(0, vrc_vm_start(&c, &vm, err, sizeof(err)));
	VTEST_LOG("%s", err);
	ASSERT_TRUE(vm == NULL);
	ASSERT_TRUE(strstr(err, "frobnicate") != NULL);	/* QEMU's own words */
	c.n_extra = 0;
	c.qemu = "/nonexistent/qemu-system-x86_64";
	ASSERT_EQ(-ENOENT, vrc_vm_start(&c, &vm, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "cannot run /nonexistent/qemu-system-x86_64") != NULL);
	c.qemu = NULL;
	c.run_dir = "/nonexistent/run";
	ASSERT_NE(0, vrc_vm_start(&c, &vm, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "/nonexistent/run") != NULL);
	rm_run_dir();
}

static bool pid_gone(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');	/* a zombie is dead */
}

TEST(qemu_dies_with_its_parent)
{
	int pfd[2];
	pid_t qpid = -1;

	need_qemu();
	ASSERT_EQ(0, pipe(pfd));
	pid_t harness = fork();
	ASSERT_GE(harness, 0);
	if (harness == 0) {
		struct vrc_vm_config c = { 0 };
		struct vrc_vm *vm = start_none(&c);
		pid_t p = vrc_vm_pid(vm);
		if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
			_exit(2);
		_exit(0);	/* no cleanup: the harness just dies */
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(qpid), read(pfd[0], &qpid, sizeof(qpid)));
	close(pfd[0]);
	waitpid(harness, NULL, 0);
	ASSERT_GT(qpid, 0);
	int64_t t0 = vrc_now_ms();
	while (!pid_gone(qpid) && vrc_now_ms() - t0 < 5000)
		usleep(20000);
	ASSERT_TRUE(pid_gone(qpid));
	rm_run_dir();
}

/* ---- qemu-ga client against a scripted agent ---- */

enum agent_mode { AGENT_NORMAL, AGENT_SILENT_AFTER_EXEC };

static void reply(int fd, const char *prefix, struct json_object *ret, struct json_object *id)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "return", ret);
	if (id)
		json_object_object_add(o, "id", json_object_get(id));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (write(fd, prefix, strlen(prefix)) < 0 || write(fd, s, strlen(s)) < 0 ||
	    write(fd, "\n", 1) < 0)
		_exit(3);
	json_object_put(o);
}

/* A qemu-ga stand-in: stale bytes first, then one reply per request line. */
static void agent(int fd, enum agent_mode mode)
{
	char buf[65536];
	size_t len = 0;
	int polls = 0;

	/* What an earlier client left: a complete stale reply and half of one. */
	const char stale[] = "{\"return\": 99}\n{\"return\": {\"pid\"";
	if (write(fd, stale, sizeof(stale) - 1) < 0)
		_exit(3);
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			_exit(0);
		len += (size_t)n;
		char *nl;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = 0;
			char *line = buf;
			while (*line == '\xff')
				line++;
			struct json_object *req = json_tokener_parse(line), *cmd, *args = NULL, *id = NULL, *v;
			json_object_object_get_ex(req, "execute", &cmd);
			json_object_object_get_ex(req, "arguments", &args);
			json_object_object_get_ex(req, "id", &id);
			const char *c = json_object_get_string(cmd);
			if (!strcmp(c, "guest-sync-delimited")) {
				json_object_object_get_ex(args, "id", &v);
				reply(fd, "\xff", json_object_get(v), NULL);
			} else if (!strcmp(c, "guest-ping")) {
				reply(fd, "", json_object_new_object(), id);
			} else if (!strcmp(c, "guest-exec")) {
				struct json_object *r = json_object_new_object();
				json_object_object_add(r, "pid", json_object_new_int(321));
				reply(fd, "", r, id);
				if (mode == AGENT_SILENT_AFTER_EXEC)
					for (;;)
						pause();
			} else if (!strcmp(c, "guest-exec-status")) {
				struct json_object *r = json_object_new_object();
				bool done = ++polls >= 3;	/* running twice, then exited */
				json_object_object_add(r, "exited", json_object_new_boolean(done));
				if (done) {
					json_object_object_add(r, "exitcode", json_object_new_int(3));
					json_object_object_add(r, "out-data",
							       json_object_new_string("aGVsbG8gdnJjCg=="));
				}
				reply(fd, "", r, id);
			} else if (!strcmp(c, "guest-file-open")) {
				reply(fd, "", json_object_new_int(1000), id);
			} else if (!strcmp(c, "guest-file-read")) {
				struct json_object *r = json_object_new_object();
				json_object_object_add(r, "count", json_object_new_int(6));
				json_object_object_add(r, "buf-b64", json_object_new_string("Zm9vYmFy"));
				json_object_object_add(r, "eof", json_object_new_boolean(true));
				reply(fd, "", r, id);
			} else if (!strcmp(c, "guest-file-close")) {
				reply(fd, "", json_object_new_object(), id);
			} else {
				const char *e = "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no\"}}\n";
				if (write(fd, e, strlen(e)) < 0)
					_exit(3);
			}
			json_object_put(req);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
	}
}

static pid_t agent_pair(struct vrc_qga *g, enum agent_mode mode)
{
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		agent(sv[1], mode);
		_exit(0);
	}
	close(sv[1]);
	vrc_qga_init(g, sv[0]);
	return pid;
}

TEST(qga_client_resync_exec_fetch)
{
	struct vrc_qga g;
	struct vrc_qga_exec_status st;
	char err[512] = "";
	uint8_t *data;
	size_t len;
	int64_t pid;

	pid_t ap = agent_pair(&g, AGENT_NORMAL);
	ASSERT_EQ(0, vrc_qga_sync(&g, 5000, NULL, err, sizeof(err)));
	ASSERT_EQ(0, vrc_qga_ping(&g, 5000, NULL, err, sizeof(err)));
	const char *args[] = { "hello", NULL };
	struct vrc_qga_exec_req req = { .path = "/bin/echo", .argv = args };
	ASSERT_EQ(0, vrc_qga_exec(&g, &req, &st, &pid, 10000, NULL, err, sizeof(err)));
	ASSERT_EQ(321, pid);
	ASSERT_TRUE(st.exited);
	ASSERT_EQ(3, st.exitcode);
	ASSERT_STREQ("hello vrc\n", (char *)st.out);
	vrc_qga_exec_status_free(&st);
	ASSERT_EQ(0, vrc_qga_read_file(&g, "/tmp/x", 100, &data, &len, 5000, NULL, err,
				       sizeof(err)));
	ASSERT_EQ((size_t)6, len);
	ASSERT_STREQ("foobar", (char *)data);
	free(data);
	/* The file limit holds (and the handle still gets closed). */
	ASSERT_EQ(-EFBIG, vrc_qga_read_file(&g, "/tmp/x", 4, &data, &len, 5000, NULL, err,
					    sizeof(err)));
	ASSERT_TRUE(data == NULL);
	ASSERT_EQ(-EREMOTEIO, vrc_qga_cmd(&g, "guest-frob", NULL, NULL, 5000, NULL, err,
					  sizeof(err)));
	ASSERT_TRUE(strstr(err, "CommandNotFound") != NULL);
	vrc_qga_close(&g);
	waitpid(ap, NULL, 0);
}

TEST(qga_client_silent_agent_times_out)
{
	struct vrc_qga g;
	struct vrc_qga_exec_status st;
	char err[512] = "";

	pid_t ap = agent_pair(&g, AGENT_SILENT_AFTER_EXEC);
	struct vrc_qga_exec_req req = { .path = "/bin/sleep" };
	int64_t t0 = vrc_now_ms();
	ASSERT_EQ(-ETIMEDOUT, vrc_qga_exec(&g, &req, &st, NULL, 1500, NULL, err, sizeof(err)));
	ASSERT_LT(vrc_now_ms() - t0, 4000);
	VTEST_LOG("%s", err);
	ASSERT_TRUE(g.need_sync);	/* the next command resyncs first */
	kill(ap, SIGKILL);
	waitpid(ap, NULL, 0);
	/* The agent is gone: the next call says so, it does not hang. */
	ASSERT_EQ(-EPIPE, vrc_qga_ping(&g, 5000, NULL, err, sizeof(err)));
	vrc_qga_close(&g);
}

VTEST_MAIN()
