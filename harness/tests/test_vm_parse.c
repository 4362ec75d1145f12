// SPDX-License-Identifier: MIT
/*
 * Unit tests of the VM launcher's parsers of untrusted input: the bounded
 * line reader (with qemu-ga's 0xFF resync), strict base64, QMP messages and
 * events, qemu-ga replies (guest-exec-status, guest-file-read), console
 * excerpts, and the QEMU argv builder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/vtest.h"
#include "vrc/base64.h"
#include "harness/vm/lineio.h"
#include "harness/vm/qga.h"
#include "harness/vm/qmp.h"
#include "harness/vm/vm.h"

static int next(struct vrc_lr *r, const char **line)
{
	char *l;
	size_t n;
	int rc = vrc_lr_next(r, &l, &n);

	*line = rc == 1 ? l : NULL;
	return rc;
}

TEST(lineio_splits_and_joins)
{
	struct vrc_lr r;
	const char *l;

	vrc_lr_init(&r, 64, false);
	ASSERT_EQ(0, vrc_lr_feed(&r, "{\"a\":", 5));
	ASSERT_EQ(0, next(&r, &l));
	ASSERT_EQ(0, vrc_lr_feed(&r, "1}\r\n{\"b\":2}\n{\"c", 16));
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("{\"a\":1}", l);	/* CRLF stripped */
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("{\"b\":2}", l);
	ASSERT_EQ(0, next(&r, &l));	/* {"c is still partial */
	vrc_lr_free(&r);
}

TEST(lineio_drops_overlong_line_whole)
{
	struct vrc_lr r;
	char big[300];
	const char *l;

	memset(big, 'x', sizeof(big));
	vrc_lr_init(&r, 64, false);
	/* An over-long line arriving in pieces, then a good one. */
	ASSERT_EQ(0, vrc_lr_feed(&r, big, 50));
	ASSERT_EQ(0, vrc_lr_feed(&r, big, sizeof(big)));
	ASSERT_LE(r.len, (size_t)64);	/* memory stays bounded */
	ASSERT_EQ(0, vrc_lr_feed(&r, "tail\nok\n", 8));
	ASSERT_EQ(-E2BIG, next(&r, &l));
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("ok", l);		/* "tail" belonged to the dropped line */
	ASSERT_EQ(0, next(&r, &l));
	/* Exactly max is fine. */
	char exact[66];
	memset(exact, 'y', 64);
	exact[64] = '\n';
	ASSERT_EQ(0, vrc_lr_feed(&r, exact, 65));
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_EQ((size_t)64, strlen(l));
	vrc_lr_free(&r);
}

TEST(lineio_ff_sentinel_flushes_partial)
{
	struct vrc_lr r;
	const char *l;

	vrc_lr_init(&r, 64, true);
	ASSERT_EQ(0, vrc_lr_feed(&r, "{\"return\": 1}\n{\"retu", 20));
	ASSERT_EQ(0, vrc_lr_feed(&r, "\xff{\"return\": 7}\n", 16));
	ASSERT_EQ(1u, r.ff_seen);
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("{\"return\": 1}", l);	/* a complete stale line survives ... */
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("{\"return\": 7}", l);	/* ... the half one does not */
	/* 0xFF also ends an over-long line's discarding. */
	char big[100];
	memset(big, 'z', sizeof(big));
	ASSERT_EQ(0, vrc_lr_feed(&r, big, sizeof(big)));
	ASSERT_EQ(0, vrc_lr_feed(&r, "\xffok\n", 4));
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("ok", l);
	vrc_lr_free(&r);
	/* Without delim_ff 0xFF is data. */
	vrc_lr_init(&r, 64, false);
	ASSERT_EQ(0, vrc_lr_feed(&r, "a\xff" "b\n", 4));
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("a\xff" "b", l);
	vrc_lr_free(&r);
}

TEST(lineio_rejects_nul)
{
	struct vrc_lr r;
	const char *l;

	vrc_lr_init(&r, 64, false);
	ASSERT_EQ(0, vrc_lr_feed(&r, "a\0b\nok\n", 7));
	ASSERT_EQ(-EILSEQ, next(&r, &l));
	ASSERT_EQ(1, next(&r, &l));
	ASSERT_STREQ("ok", l);
	vrc_lr_free(&r);
}

static int qmp(const char *s, struct vrc_qmp_msg *m)
{
	char err[256];
	return vrc_qmp_parse(s, strlen(s), m, err, sizeof(err));
}

TEST(qmp_parse_messages)
{
	struct vrc_qmp_msg m;

	ASSERT_EQ(0, qmp("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
			 "\"major\": 7}, \"package\": \"Debian\"}, \"capabilities\": [\"oob\"]}}", &m));
	ASSERT_EQ((int)VRC_QMP_GREETING, (int)m.kind);
	ASSERT_EQ(7, m.ver_major);
	ASSERT_EQ(22, m.ver_micro);
	vrc_qmp_msg_free(&m);
	ASSERT_EQ(0, qmp("{\"return\": {\"status\": \"running\"}, \"id\": 42}", &m));
	ASSERT_EQ((int)VRC_QMP_RETURN, (int)m.kind);
	ASSERT_TRUE(m.has_id);
	ASSERT_EQ(42, m.id);
	vrc_qmp_msg_free(&m);
	ASSERT_EQ(0, qmp("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}}", &m));
	ASSERT_EQ((int)VRC_QMP_ERROR, (int)m.kind);
	ASSERT_STREQ("CommandNotFound", m.err_class);
	ASSERT_FALSE(m.has_id);
	vrc_qmp_msg_free(&m);
	ASSERT_EQ(0, qmp("{\"timestamp\": {\"seconds\": 1}, \"event\": \"SHUTDOWN\", \"data\": "
			 "{\"guest\": true, \"reason\": \"guest-reset\"}}", &m));
	ASSERT_EQ((int)VRC_QMP_EVENT, (int)m.kind);
	ASSERT_STREQ("SHUTDOWN", m.event);
	struct vrc_qmp_events ev = { 0 };
	vrc_qmp_note_event(&ev, &m);
	ASSERT_TRUE(ev.shutdown);
	ASSERT_TRUE(ev.shutdown_guest);
	ASSERT_STREQ("guest-reset", ev.shutdown_reason);
	vrc_qmp_msg_free(&m);
	ASSERT_EQ(0, qmp("{\"event\": \"GUEST_PANICKED\", \"data\": {\"action\": \"poweroff\"}}  ",
			 &m));
	vrc_qmp_note_event(&ev, &m);
	ASSERT_TRUE(ev.panicked);
	ASSERT_STREQ("poweroff", ev.panic_action);
	ASSERT_EQ(2u, ev.count);
	vrc_qmp_msg_free(&m);
}

TEST(qmp_parse_rejects_garbage)
{
	static const char *const bad[] = {
		"", "{", "[]", "42", "\"return\"", "{}", "{\"return\": {}} x",
		"{\"return\": {}}{\"return\": {}}", "{\"return\": 1, \"event\": \"X\"}",
		"{\"error\": \"bad\"}", "{\"error\": {\"class\": 1, \"desc\": \"d\"}}",
		"{\"event\": 5}", "{\"event\": \"\"}", "{\"event\": \"X\", \"data\": [1]}",
		"{\"QMP\": {}}", "{\"QMP\": {\"version\": {\"qemu\": {\"major\": -1, \"minor\": 0, "
		"\"micro\": 0}}, \"capabilities\": []}}",
		"{\"return\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	struct vrc_qmp_msg m;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = qmp(bad[i], &m);
		if (rc != -EPROTO)
			VTEST_LOG("accepted '%s'", bad[i]);
		ASSERT_EQ(-EPROTO, rc);
		ASSERT_TRUE(m.root == NULL);
	}
	/* Longer than the line limit: refused before parsing. */
	size_t n = VRC_QMP_LINE_MAX + 1;
	char *big = malloc(n);
	ASSERT_TRUE(big != NULL);
	memset(big, ' ', n);
	ASSERT_EQ(-EPROTO, vrc_qmp_parse(big, n, &m, NULL, 0));
	free(big);
}

static int status(const char *json, size_t out_max, struct vrc_qga_exec_status *st)
{
	struct json_object *o = json_tokener_parse(json);
	char err[256] = "";
	int rc = vrc_qga_parse_exec_status(o, out_max, st, err, sizeof(err));

	if (rc)
		VTEST_LOG("%s -> %s", json, err);
	json_object_put(o);
	return rc;
}

TEST(qga_exec_status_good)
{
	struct vrc_qga_exec_status st;

	ASSERT_EQ(0, status("{\"exited\": false}", 0, &st));
	ASSERT_FALSE(st.exited);
	vrc_qga_exec_status_free(&st);
	ASSERT_EQ(0, status("{\"exitcode\": 3, \"out-data\": \"aGVsbG8gdnJjCg==\", "
			    "\"err-data\": \"b29wcwo=\", \"exited\": true}", 0, &st));
	ASSERT_TRUE(st.exited);
	ASSERT_TRUE(st.has_exitcode);
	ASSERT_EQ(3, st.exitcode);
	ASSERT_EQ((size_t)10, st.out_len);
	ASSERT_STREQ("hello vrc\n", (char *)st.out);
	ASSERT_STREQ("oops\n", (char *)st.err);
	ASSERT_FALSE(st.out_truncated);
	vrc_qga_exec_status_free(&st);
	ASSERT_EQ(0, status("{\"exited\": true, \"signal\": 9}", 0, &st));
	ASSERT_TRUE(st.has_signal);
	ASSERT_EQ(9, st.signal);
	ASSERT_TRUE(st.out == NULL);
	vrc_qga_exec_status_free(&st);
	/* More output than we keep: cut, and said so. */
	ASSERT_EQ(0, status("{\"exited\": true, \"exitcode\": 0, \"out-data\": \"Zm9vYmFy\"}",
			    4, &st));
	ASSERT_EQ((size_t)4, st.out_len);
	ASSERT_STREQ("foob", (char *)st.out);
	ASSERT_TRUE(st.out_truncated);
	vrc_qga_exec_status_free(&st);
	ASSERT_EQ(0, status("{\"exited\": true, \"exitcode\": 0, \"out-truncated\": true}", 0, &st));
	ASSERT_TRUE(st.out_truncated);
	vrc_qga_exec_status_free(&st);
}

TEST(qga_exec_status_bad)
{
	static const char *const bad[] = {
		"[]", "{}", "{\"exited\": 1}", "{\"exited\": true}",
		"{\"exited\": true, \"exitcode\": 0, \"signal\": 9}",
		"{\"exited\": false, \"exitcode\": 0}",
		"{\"exited\": true, \"exitcode\": \"0\"}",
		"{\"exited\": true, \"exitcode\": 4294967296}",
		"{\"exited\": true, \"signal\": -1}",
		"{\"exited\": true, \"exitcode\": 0, \"out-data\": \"not base64!\"}",
		"{\"exited\": true, \"exitcode\": 0, \"err-data\": 12}",
		"{\"exited\": true, \"exitcode\": 0, \"out-truncated\": \"yes\"}",
	};
	struct vrc_qga_exec_status st;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);
		int rc = vrc_qga_parse_exec_status(o, 0, &st, NULL, 0);
		json_object_put(o);
		if (rc != -EPROTO)
			VTEST_LOG("accepted '%s'", bad[i]);
		ASSERT_EQ(-EPROTO, rc);
		ASSERT_TRUE(st.out == NULL && st.err == NULL);
	}
}

static int file_read(const char *json, size_t max, uint8_t **buf, size_t *len, bool *eof)
{
	struct json_object *o = json_tokener_parse(json);
	int rc = vrc_qga_parse_file_read(o, max, buf, len, eof, NULL, 0);

	json_object_put(o);
	return rc;
}

TEST(qga_file_read)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	bool eof;

	ASSERT_EQ(0, file_read("{\"count\": 3, \"buf-b64\": \"Zm9v\", \"eof\": false}", 100,
			       &buf, &len, &eof));
	ASSERT_FALSE(eof);
	ASSERT_EQ(0, file_read("{\"count\": 3, \"buf-b64\": \"YmFy\", \"eof\": true}", 100,
			       &buf, &len, &eof));
	ASSERT_TRUE(eof);
	ASSERT_EQ((size_t)6, len);
	ASSERT_STREQ("foobar", (char *)buf);
	/* count and data disagree, no eof, not base64, negative count */
	ASSERT_EQ(-EPROTO, file_read("{\"count\": 4, \"buf-b64\": \"YmFy\", \"eof\": true}", 100,
				     &buf, &len, &eof));
	ASSERT_EQ(-EPROTO, file_read("{\"count\": 2, \"buf-b64\": \"YmFy\", \"eof\": true}", 100,
				     &buf, &len, &eof));
	ASSERT_EQ(-EPROTO, file_read("{\"count\": 3, \"buf-b64\": \"YmFy\"}", 100, &buf, &len,
				     &eof));
	ASSERT_EQ(-EPROTO, file_read("{\"count\": 3, \"buf-b64\": \"Ym$y\", \"eof\": true}", 100,
				     &buf, &len, &eof));
	ASSERT_EQ(-EPROTO, file_read("{\"count\": -3, \"buf-b64\": \"\", \"eof\": true}", 100,
				     &buf, &len, &eof));
	ASSERT_EQ((size_t)6, len);	/* failed reads left the data alone */
	/* The file limit. */
	ASSERT_EQ(-EFBIG, file_read("{\"count\": 6, \"buf-b64\": \"Zm9vYmFy\", \"eof\": true}", 10,
				    &buf, &len, &eof));
	free(buf);
}

TEST(qga_exec_pid)
{
	static const char *const bad[] = { "{}", "{\"pid\": 0}", "{\"pid\": -5}",
					   "{\"pid\": \"7\"}", "{\"pid\": 9999999999}", "[1]" };
	int64_t pid;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);
		ASSERT_EQ(-EPROTO, vrc_qga_parse_exec_pid(o, &pid, NULL, 0));
		json_object_put(o);
	}
	struct json_object *o = json_tokener_parse("{\"pid\": 145}");
	ASSERT_EQ(0, vrc_qga_parse_exec_pid(o, &pid, NULL, 0));
	ASSERT_EQ(145, pid);
	json_object_put(o);
}

TEST(console_tail_and_find)
{
	char path[] = "/tmp/vrc-test-console.XXXXXX";
	int fd = mkstemp(path);
	char buf[256], line[64];

	ASSERT_GE(fd, 0);
	const char text[] = "one\r\ntwo\nthree \x1b[0m\nKernel panic - not syncing: test\nfive\n";
	ASSERT_EQ((ssize_t)sizeof(text) - 1, write(fd, text, sizeof(text) - 1));
	close(fd);
	ASSERT_EQ(0, vrc_file_tail(path, 2, buf, sizeof(buf)));
	ASSERT_STREQ("Kernel panic - not syncing: test\nfive\n", buf);
	ASSERT_EQ(0, vrc_file_tail(path, 3, buf, sizeof(buf)));
	ASSERT_STREQ("three ?[0m\nKernel panic - not syncing: test\nfive\n", buf); /* sanitized */
	ASSERT_EQ(0, vrc_file_tail(path, 100, buf, sizeof(buf)));
	ASSERT_EQ(0, strncmp(buf, "one\ntwo\n", 8));	/* \r dropped */
	ASSERT_EQ(0, vrc_file_tail(path, 100, buf, 6));	/* small buffer: the end */
	ASSERT_STREQ("five\n", buf);
	ASSERT_EQ(1, vrc_file_find_line(path, "Kernel panic", 4096, line, sizeof(line)));
	ASSERT_STREQ("Kernel panic - not syncing: test", line);
	ASSERT_EQ(0, vrc_file_find_line(path, "Oops", 4096, line, sizeof(line)));
	unlink(path);
	ASSERT_EQ(-ENOENT, vrc_file_tail(path, 2, buf, sizeof(buf)));
}

static bool has_arg(char **argv, const char *a)
{
	for (; *argv; argv++)
		if (!strcmp(*argv, a))
			return true;
	return false;
}

TEST(argv_for_a_guest)
{
	struct vrc_vm_config c = {
		.kernel = "/k/vmlinuz", .initrd = "/k/initrd.img", .append = "quiet",
		.run_dir = "/run/x", .n_ivshmem = 2, .ivshmem = { "/s/vgpu0.ivshmem", "/s/vgpu1.ivshmem" },
		.mem_mib = 768, .cpus = 2, .n_extra = 1, .extra = { "-S" },
	};
	char err[256];
	char **argv = vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 7, 8, err, sizeof(err));

	ASSERT_TRUE(argv != NULL);
	ASSERT_STREQ("qemu-system-x86_64", argv[0]);
	for (const char *const *a = (const char *const[]){ "-nodefaults", "-no-reboot", "tcg",
			"768", "2", "socket,id=qmp,fd=7,server=on,wait=off",
			"socket,id=qga,fd=8,server=on,wait=off", "console=ttyS0,115200 panic=-1 quiet",
			"file,id=con,path=/run/x/console.log", "socket,id=ivs1,path=/s/vgpu1.ivshmem",
			"ivshmem-doorbell,chardev=ivs1,vectors=1", "pvpanic", "panic=exit-failure",
			"virtserialport,bus=vser.0,chardev=qga,name=org.qemu.guest_agent.0", NULL };
	     *a; a++) {
		if (!has_arg(argv, *a))
			VTEST_LOG("missing %s", *a);
		ASSERT_TRUE(has_arg(argv, *a));
	}
	ASSERT_FALSE(has_arg(argv, "host"));	/* -cpu host only with kvm */
	unsigned n = 0;
	while (argv[n])
		n++;
	ASSERT_STREQ("-S", argv[n - 1]);	/* extra args last */
	vrc_vm_argv_free(argv);
	argv = vrc_vm_argv(&c, VRC_VM_ACCEL_KVM, 7, 8, err, sizeof(err));
	ASSERT_TRUE(has_arg(argv, "kvm") && has_arg(argv, "host"));
	vrc_vm_argv_free(argv);
	c.no_agent = c.no_pvpanic = true;
	argv = vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 7, -1, err, sizeof(err));
	ASSERT_FALSE(has_arg(argv, "pvpanic"));
	ASSERT_FALSE(has_arg(argv, "virtio-serial-pci,id=vser"));
	vrc_vm_argv_free(argv);
}

TEST(argv_rejects_bad_config)
{
	char err[256];
	struct vrc_vm_config ok = { .kernel = "/k", .run_dir = "/r" };
	struct vrc_vm_config c;

	c = ok; c.run_dir = NULL;
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 3, 4, err, sizeof(err)) == NULL);
	c = ok; c.kernel = NULL;
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 3, 4, err, sizeof(err)) == NULL);
	c = ok; c.kernel = "/a,b";	/* QEMU would split the option there */
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 3, 4, err, sizeof(err)) == NULL);
	c = ok; c.n_ivshmem = 1; c.ivshmem[0] = "/s,x";
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 3, 4, err, sizeof(err)) == NULL);
	ASSERT_TRUE(strstr(err, "/s,x") != NULL);
	c = ok; c.machine = "none";	/* no guest, but a kernel */
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 3, 4, err, sizeof(err)) == NULL);
	c = ok;
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_AUTO, 3, 4, err, sizeof(err)) == NULL);
	c = ok; c.n_extra = VRC_VM_MAX_EXTRA + 1;
	ASSERT_TRUE(vrc_vm_argv(&c, VRC_VM_ACCEL_TCG, 3, 4, err, sizeof(err)) == NULL);
}

TEST(dry_run_is_shell_quoted)
{
	struct vrc_vm_config c = { .kernel = "/k", .run_dir = "/r", .append = "a='b c'",
				   .accel = VRC_VM_ACCEL_TCG };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_EQ(0, vrc_vm_dry_run(&c, f, NULL, 0));
	fclose(f);
	ASSERT_TRUE(strstr(text, "# accel tcg") != NULL);
	ASSERT_TRUE(strstr(text, "-append 'console=ttyS0,115200 panic=-1 a='\\''b c'\\'''") != NULL);
	ASSERT_TRUE(strstr(text, "path=/r/qmp.sock,server=on,wait=off") != NULL);
	free(text);
}

TEST(accel_choice)
{
	char why[128];

	ASSERT_EQ((int)VRC_VM_ACCEL_TCG, (int)vrc_vm_pick_accel(VRC_VM_ACCEL_TCG, why, sizeof(why)));
	setenv("VRC_VM_ACCEL", "tcg", 1);
	ASSERT_EQ((int)VRC_VM_ACCEL_TCG, (int)vrc_vm_pick_accel(VRC_VM_ACCEL_AUTO, why, sizeof(why)));
	ASSERT_STREQ("VRC_VM_ACCEL=tcg", why);
	unsetenv("VRC_VM_ACCEL");
	enum vrc_vm_accel a = vrc_vm_pick_accel(VRC_VM_ACCEL_AUTO, why, sizeof(why));
	ASSERT_TRUE(a == VRC_VM_ACCEL_KVM || a == VRC_VM_ACCEL_TCG);
	VTEST_LOG("auto: %s (%s)", vrc_vm_accel_name(a), why);
	/* Without /dev/kvm access auto must say tcg. */
	if (access("/dev/kvm", R_OK | W_OK))
		ASSERT_EQ((int)VRC_VM_ACCEL_TCG, (int)a);
}

VTEST_MAIN()
