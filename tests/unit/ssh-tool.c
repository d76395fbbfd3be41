/*
 * ssh-tool.c - drives the SSH transport from tests/integration/20-ssh-
 * transport.sh: connect with options, then do one subcommand.
 *
 *   ssh-tool [-A] [-p PORT] [-l USER] [-i KEY] [-k KNOWN_HOSTS]
 *            [-c CONNECT_MS] [-o OP_MS] HOST COMMAND [ARGS...]
 *
 * Commands:
 *   read PATH [MAX]            file to stdout
 *   range PATH OFFSET MAX      bytes to stdout
 *   write PATH MODE [EXPECT]   stdin to PATH (MODE octal, for a new file;
 *                              EXPECT "absent" or the SHA-256 it must hold)
 *   stat PATH                  "exists MODE(octal) UID GID SIZE MTIME_NS INO"
 *   realpath PATH | ls PATH | rm PATH
 *   run [-e NAME=VALUE]... [-t MS] [-s] ARGV...
 *                              -s: pass our stdin; stdout/stderr relayed;
 *                              exits with the status, 124 on a timeout
 *   procs                      "PID<TAB>CMDLINE" (newlines shown as \n)
 *   tcp                        "STATE LOCAL:PORT REMOTE:PORT INODE"
 *   bench N [echo]             time N runs of /bin/true (or /bin/echo,
 *                              output checked) on this session
 *   connect                    just connect (prints the time it took)
 *
 * -R: after the command (failed or not) run /bin/echo reconnected on the
 * same transport and print "again: OUTPUT" (a dropped session reconnects).
 *
 * Exit status 99 (with "ssh-tool: CAUSE" on stderr) when an operation fails;
 * the cause's jf_err code is printed as "code N".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport-ssh.h"
#include "transport.h"
#include "util.h"

#define FAIL 99

static int
fail(int r, char *cause)
{
	fprintf(stderr, "ssh-tool: %s\ncode %d\n", cause ? cause : "(no cause)",
	    -r);
	free(cause);
	return FAIL;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ssh-tool [-A] [-p port] [-l user] [-i key] "
	    "[-k known_hosts] [-c ms] [-o ms] host command [args...]\n");
	exit(2);
}

static int
read_stdin(struct buf *b)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(0, chunk, sizeof chunk)) > 0) {
		if (buf_add(b, chunk, (size_t)n) != 0)
			return -1;
	}
	return n == 0 ? 0 : -1;
}

static int
cmd_run(struct transport *t, int argc, char **argv)
{
	const char **env = xcalloc((size_t)argc + 1, sizeof *env);
	struct trun_result res;
	struct buf in = BUF_INIT;
	char *cause = NULL;
	int ne = 0, timeout = 0, pass_stdin = 0, i = 0, r, rc;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			env[ne++] = argv[++i];
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else if (strcmp(argv[i], "-s") == 0)
			pass_stdin = 1;
		else
			usage();
		i++;
	}
	if (i >= argc)
		usage();
	if (pass_stdin && read_stdin(&in) != 0) {
		fprintf(stderr, "ssh-tool: stdin unreadable\n");
		return FAIL;
	}
	trun_result_init(&res);
	r = t->ops->run(t, (const char *const *)argv + i, ne ? env : NULL,
	    pass_stdin ? (in.data ? in.data : "") : NULL, in.len, timeout,
	    &res, &cause);
	free(env);
	buf_free(&in);
	if (r != 0) {
		trun_result_free(&res);
		return fail(r, cause);
	}
	write_all(1, res.out.data ? res.out.data : "", res.out.len);
	write_all(2, res.err.data ? res.err.data : "", res.err.len);
	if (res.timed_out) {
		fprintf(stderr, "ssh-tool: timed out\n");
		rc = 124;
	} else
		rc = res.status < 0 ? FAIL : res.status;
	trun_result_free(&res);
	return rc;
}

static int
cmd_bench(struct transport *t, int n, int echo)
{
	const char *tv[] = { "/bin/true", NULL };
	const char *ev[] = { "/bin/echo", "bench", NULL };
	const char *const *argv = echo ? ev : tv;
	struct trun_result res;
	char *cause = NULL;
	int64_t t0 = now_ms();
	int i, r;

	for (i = 0; i < n; i++) {
		trun_result_init(&res);
		r = t->ops->run(t, argv, NULL, NULL, 0, 0, &res, &cause);
		if (r != 0 || res.status != 0 || res.timed_out || (echo &&
		    (res.out.len != 6 || memcmp(res.out.data, "bench\n", 6)))) {
			trun_result_free(&res);
			fprintf(stderr, "ssh-tool: bench: run %d went wrong\n", i);
			return r != 0 ? fail(r, cause) : FAIL;
		}
		trun_result_free(&res);
	}
	printf("%d runs of %s: %lld ms, %.2f ms each\n", n, argv[0],
	    (long long)(now_ms() - t0), (double)(now_ms() - t0) / n);
	return 0;
}

static void
run_again(struct transport *t)
{
	const char *argv[] = { "/bin/echo", "reconnected", NULL };
	struct trun_result res;
	char *cause = NULL;
	int r;

	trun_result_init(&res);
	r = t->ops->run(t, argv, NULL, NULL, 0, 0, &res, &cause);
	if (r != 0)
		fprintf(stderr, "again: failed: %s\n", cause ? cause : "");
	else
		fprintf(stderr, "again: %s", res.out.data ? res.out.data : "");
	free(cause);
	trun_result_free(&res);
}

int
main(int argc, char **argv)
{
	struct ssh_opts o;
	struct transport *t = NULL;
	struct buf b = BUF_INIT;
	struct tstat st;
	struct tproc *procs;
	struct tsock *socks;
	char *cause = NULL, *s, **names;
	const char *cmd;
	size_t n, i;
	int64_t t0;
	int ch, r = 0, rc = 0, again = 0;

	memset(&o, 0, sizeof o);
	while ((ch = getopt(argc, argv, "+ARp:l:i:k:c:o:")) != -1) {
		switch (ch) {
		case 'A': o.accept_new = 1; break;
		case 'R': again = 1; break;
		case 'p': o.port = atoi(optarg); break;
		case 'l': o.user = optarg; break;
		case 'i': o.identity = optarg; break;
		case 'k': o.known_hosts = optarg; break;
		case 'c': o.connect_timeout_ms = atoi(optarg); break;
		case 'o': o.op_timeout_ms = atoi(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	o.host = argv[0];
	cmd = argv[1];
	argc -= 2;
	argv += 2;

	t0 = now_ms();
	if ((r = transport_ssh_new(&o, &t, &cause)) != 0)
		return fail(r, cause);
	if (strcmp(cmd, "connect") == 0) {
		printf("connected in %lld ms\n", (long long)(now_ms() - t0));
	} else if (strcmp(cmd, "read") == 0 && argc >= 1) {
		r = t->ops->read_file(t, argv[0], &b,
		    argc > 1 ? strtoul(argv[1], NULL, 10) : 0, &cause);
		if (r == 0)
			write_all(1, b.data ? b.data : "", b.len);
	} else if (strcmp(cmd, "range") == 0 && argc == 3) {
		buf_addstr(&b, ""); /* appends: start with something empty */
		r = t->ops->read_range(t, argv[0], strtoull(argv[1], NULL, 10),
		    strtoul(argv[2], NULL, 10), &b, &cause);
		if (r == 0)
			write_all(1, b.data ? b.data : "", b.len);
	} else if (strcmp(cmd, "write") == 0 && (argc == 2 || argc == 3)) {
		/* write PATH MODE [EXPECT]: EXPECT "absent" or a SHA-256 */
		struct tcheck k;

		memset(&k, 0, sizeof k);
		if (argc == 3 && strcmp(argv[2], "absent") == 0)
			k.expect = TEXPECT_ABSENT;
		else if (argc == 3) {
			k.expect = TEXPECT_SHA256;
			snprintf(k.sha256, sizeof k.sha256, "%s", argv[2]);
		}
		if (read_stdin(&b) != 0) {
			fprintf(stderr, "ssh-tool: stdin unreadable\n");
			rc = FAIL;
		} else
			r = t->ops->write_file(t, argv[0], b.data ? b.data : "",
			    b.len, (mode_t)strtoul(argv[1], NULL, 8),
			    argc == 3 ? &k : NULL, &cause);
	} else if (strcmp(cmd, "stat") == 0 && argc == 1) {
		if ((r = t->ops->stat(t, argv[0], &st, &cause)) == 0)
			printf("%d %o %ld %ld %lld %lld %llu\n", st.exists,
			    (unsigned)st.mode, (long)st.uid, (long)st.gid,
			    (long long)st.size, (long long)st.mtime_ns,
			    (unsigned long long)st.ino);
	} else if (strcmp(cmd, "realpath") == 0 && argc == 1) {
		if ((r = t->ops->realpath(t, argv[0], &s, &cause)) == 0) {
			printf("%s\n", s);
			free(s);
		}
	} else if (strcmp(cmd, "ls") == 0 && argc == 1) {
		if ((r = t->ops->list_dir(t, argv[0], &names, &n, &cause)) == 0) {
			for (i = 0; i < n; i++)
				printf("%s\n", names[i]);
			names_free(names, n);
		}
	} else if (strcmp(cmd, "rm") == 0 && argc == 1) {
		r = t->ops->unlink(t, argv[0], &cause);
	} else if (strcmp(cmd, "run") == 0) {
		rc = cmd_run(t, argc, argv);
	} else if (strcmp(cmd, "procs") == 0) {
		if ((r = t->ops->list_procs(t, &procs, &n, &cause)) == 0) {
			for (i = 0; i < n; i++) {
				printf("%ld\t", (long)procs[i].pid);
				for (s = procs[i].cmdline; *s; s++) {
					if (*s == '\n')
						fputs("\\n", stdout);
					else
						putchar(*s);
				}
				putchar('\n');
			}
			tprocs_free(procs, n);
		}
	} else if (strcmp(cmd, "tcp") == 0) {
		if ((r = t->ops->list_tcp(t, &socks, &n, &cause)) == 0) {
			for (i = 0; i < n; i++)
				printf("%d %s:%d %s:%d %llu\n", socks[i].state,
				    socks[i].local, socks[i].lport,
				    socks[i].remote, socks[i].rport,
				    (unsigned long long)socks[i].inode);
			free(socks);
		}
	} else if (strcmp(cmd, "bench") == 0 && argc >= 1) {
		printf("connected in %lld ms\n", (long long)(now_ms() - t0));
		rc = cmd_bench(t, atoi(argv[0]), argc > 1 &&
		    strcmp(argv[1], "echo") == 0);
	} else
		usage();
	buf_free(&b);
	if (r != 0)
		rc = fail(r, cause);
	if (again)
		run_again(t);
	transport_free(t);
	return rc;
}
