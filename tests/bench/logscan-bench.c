/*
 * logscan-bench.c - the pieces tests/bench/logscan.sh times.
 *
 *   logscan-bench gen FILE MIB [SEED]   a synthetic Java job.log of MIB MiB
 *                                        with a few thousand signature hits
 *   logscan-bench append FILE KIB        KIB KiB more lines (some hits)
 *   logscan-bench sigs                   every signature text, one a line
 *                                        (the pattern file for grep -F -f)
 *   logscan-bench scan FILE STATE        one logscan_run through the local
 *                                        transport: milliseconds, bytes
 *                                        read, lines, total matching lines
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logscan.h"
#include "transport.h"

/* The message templates are tables of printf formats, all taking three
 * unsigned arguments. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const char *const levels[] = { "INFO ", "INFO ", "INFO ", "DEBUG",
    "WARN ", "ERROR" };
static const char *const threads[] = { "http-nio-8008-exec-", "task-exec-",
    "gse-result-", "scheduling-", "RabbitListener-", "main" };
static const char *const classes[] = {
	"c.t.b.j.e.s.impl.TaskExecuteServiceImpl",
	"c.t.b.j.e.e.GseTaskResultHandleManager",
	"c.t.b.j.m.s.impl.ScriptServiceImpl",
	"c.t.b.j.c.redis.RedisLockHelper",
	"o.s.a.r.l.SimpleMessageListenerContainer",
	"c.t.b.j.l.s.impl.LogServiceImpl",
	"c.t.b.j.e.e.ScriptResultHandleTask",
	"c.t.b.j.c.i.JobWebInterceptor",
};
static const char *const msgs[] = {
	"Task %u step %u started, ip list size: %u, operator admin",
	"Handle gse task result, stepInstanceId=%u, executeCount=%u, gseTaskId=GSE_%u",
	"Pull script log from gse, ip 10.0.%u.%u, offset %u",
	"Query job instance, appId=%u, jobInstanceId=%u, cost=%u ms",
	"Execute sql: select * from task_instance where id = %u and status in (%u, %u)",
	"Acquire lock job:lock:%u success, expire %u ms, owner %u",
	"Receive message from queue task.execute, deliveryTag=%u, redelivered=%u, size=%u",
	"Response status 200, uri /api/job/v1/get_job_instance_status, time %u ms, req %u/%u",
};
static const char *const hits[] = {
	"Table has no partition for value 738%03u",
	"redis reply is not string, key job:gse:task:%u:%u:%u",
	"Execution result log always empty, stepInstanceId=%u, timeout %u s, elapsed %u s",
	"Script log timed out, timeout %u s, elapsed %u s, step %u",
	"Channel shutdown: connection error; protocol method: #method<connection.close>(reply-code=403, reply-text=ACCESS_REFUSED - Login was refused %u %u %u)",
	"NOT_ALLOWED - access to vhost 'bk_job' refused for user 'bk_job' %u %u %u",
	"OOM command not allowed when used memory > 'maxmemory'. %u %u %u",
	"javax.net.ssl.SSLHandshakeException: PKIX path building failed %u %u %u",
	"Call gse failed, code=1210001, msg=GSE TaskServer unavailable %u %u %u",
	"Call cmdb failed, code 1211002, response is not json %u %u %u",
};

static void
line(FILE *f, uint64_t n)
{
	unsigned h = (unsigned)(n / 3600000) % 24, mi = (unsigned)(n / 60000) % 60;
	unsigned s = (unsigned)(n / 1000) % 60, ms = (unsigned)n % 1000;
	uint64_t r = rng();
	const char *th = threads[r % nitems(threads)];
	unsigned a = (unsigned)(rng() % 1000000), b = (unsigned)(rng() % 100000),
	    c = (unsigned)(rng() % 1000);

	fprintf(f, "2024-05-%02u %02u:%02u:%02u.%03u [%s%u] %s %s - ",
	    (unsigned)(n / 86400000) % 28 + 1, h, mi, s, ms, th,
	    (unsigned)(r >> 32) % 200, levels[(r >> 8) % nitems(levels)],
	    classes[(r >> 16) % nitems(classes)]);
	if (rng() % 2000 == 0)
		fprintf(f, hits[rng() % nitems(hits)], a, b, c);
	else
		fprintf(f, msgs[(r >> 24) % nitems(msgs)], a, b, c);
	fputc('\n', f);
	if ((r >> 40) % 40 == 0) {   /* a stack trace now and then */
		fprintf(f, "java.lang.IllegalStateException: step %u not found\n", a);
		fprintf(f, "\tat com.tencent.bk.job.execute.service.impl."
		    "TaskInstanceServiceImpl.getStep(TaskInstanceServiceImpl.java:%u)\n", c);
		fprintf(f, "\tat org.springframework.aop.framework."
		    "CglibAopProxy$DynamicAdvisedInterceptor.intercept(CglibAopProxy.java:%u)\n", c + 7);
	}
}

static int
gen(const char *path, uint64_t bytes, const char *mode)
{
	FILE *f = fopen(path, mode);
	uint64_t n = 0;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	while ((uint64_t)ftello(f) < bytes)
		line(f, n += 7 + rng() % 50);
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct logscan_result res;
	struct transport *t;
	const struct logscan_sig *s;
	const char *const *tx;
	char *cause = NULL;
	size_t n, i;
	uint64_t total = 0;
	struct timespec t0, t1;
	FILE *f;

	if (argc >= 4 && strcmp(argv[1], "gen") == 0) {
		if (argc > 4)
			rng_state ^= strtoull(argv[4], NULL, 10);
		return gen(argv[2], strtoull(argv[3], NULL, 10) << 20, "w");
	}
	if (argc == 4 && strcmp(argv[1], "append") == 0) {
		rng_state ^= (uint64_t)now_ms();
		if ((f = fopen(argv[2], "a")) == NULL) {
			perror(argv[2]);
			return 1;
		}
		fseeko(f, 0, SEEK_END);
		n = (size_t)ftello(f);
		fclose(f);
		return gen(argv[2], n + (strtoull(argv[3], NULL, 10) << 10),
		    "a");
	}
	if (argc == 2 && strcmp(argv[1], "sigs") == 0) {
		s = logscan_sigs(&n);
		for (i = 0; i < n; i++)
			for (tx = s[i].texts; *tx != NULL; tx++)
				printf("%s\n", *tx);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "scan") == 0) {
		t = transport_local_new();
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (logscan_run(t, argv[2], argv[3], NULL, &res, &cause) != 0) {
			fprintf(stderr, "logscan-bench: %s\n", cause);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		for (i = 0; i < res.nhits; i++)
			total += res.hits[i].new_count;
		printf("%.3f ms, %llu bytes read, %llu lines, %llu matches\n",
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		    (unsigned long long)res.bytes_read,
		    (unsigned long long)res.lines, (unsigned long long)total);
		logscan_result_free(&res);
		transport_free(t);
		return 0;
	}
	fprintf(stderr, "usage: logscan-bench gen FILE MIB [SEED] | append "
	    "FILE KIB | sigs | scan FILE STATE\n");
	return 2;
}
