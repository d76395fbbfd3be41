/*
 * fleet.c - jobfix fleet: the engine of one host, on many hosts at once.
 *
 * Why threads: every remote operation of the SSH transport is a blocking
 * call (with its own poll() and deadline inside), and the engine, the probes
 * and the steps are written as straight-line code over it.  A poll loop
 * would need all of them turned inside out; a bounded pool of worker
 * threads (fleet.forks, -f) runs them unchanged.  Each worker takes the next
 * host, opens one SSH session that every probe and step of that host
 * reuses (a channel costs a round trip, a connection a key exchange), runs
 * the engine, keeps a small summary, and frees everything of the host
 * before it takes the next.  So memory grows with the forks, not with the
 * hosts: a thousand hosts keep a thousand summary lines, no sessions, no
 * reports (with --json each host's report is written out when it finishes).
 *
 * What a fleet run probes: by default only the agent probe (fleet.probes),
 * the probes every other one is disabled through probes.disable in the
 * host's own copy of the configuration.  Probes of services (MySQL,
 * RabbitMQ, ...) would connect from this controller to the addresses of
 * each host's job.conf, which says nothing about the agent hosts a fleet is
 * made of.  A host that sets probes.disable in the inventory keeps its own.
 * agent.required is on: a fleet host without agent has a dead agent.
 *
 * Guards against doing damage at scale:
 *   --canary N      the first N hosts run first; if one fails, no other
 *                   host is started;
 *   --max-fail P    once more than P percent of all hosts failed, no new
 *                   host is started;
 *   shared cause    before repairing, the first wave of hosts (the canary
 *                   hosts, else the first `forks`) waits until the whole
 *                   wave is diagnosed.  When more than fleet.shared_percent
 *                   of it (and at least fleet.shared_min_hosts) show the
 *                   same fault of fleet.shared_faults, the cause is likely
 *                   shared (gse_task down, a certificate rotated): nothing
 *                   is repaired and the run says so, unless --go-on.
 * "Failed" is an exit code of 2 or more (error, undone, failed,
 * unreachable); findings left (1) are not failures.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exitcode.h"
#include "fault.h"
#include "fleet.h"
#include "gate.h"
#include "lock.h"
#include "log.h"
#include "metrics.h"
#include "probe.h"
#include "report.h"
#include "site.h"
#include "i18n.h"

#define WORKER_STACK ((size_t)1 << 20)
/* Longest message kept per host for the summary. */
#define MESSAGE_MAX 4000

enum host_state { HOST_WAITING, HOST_RUNNING, HOST_DONE, HOST_NOT_RUN };

struct host_result {
	enum host_state state;
	int exit;
	int nfindings;
	int changed;
	int held;              /* not repaired: a shared cause */
	int gate_hold;         /* not repaired: the gate held it (gate.h) */
	char *findings;        /* "agent.down,agent.link" */
	char *message;         /* why it failed, or NULL */
	int64_t ms;
};

struct fleet {
	struct conf *conf;
	const struct playbook_set *pbs;
	const struct inventory *inv;
	const struct fleet_opts *o;
	FILE *out;
	int fixing;            /* fix or run */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t next;           /* next host to start */
	size_t running, done, failed;
	int stop;
	char *stop_reason;
	size_t canary, canary_done;
	/* the first wave and its shared-cause decision */
	size_t wave, wave_arrived;
	int wave_decided, shared_hold;
	size_t *wave_counts;   /* per fault of the catalogue */
	char *shared_note;
	struct host_result *res;
	int json_first;
	int64_t start;
	struct metrics *metrics; /* metrics.textfile set: every host's run */
};

static const char *
result_word(const struct fleet *fl, const struct host_result *h)
{
	if (h->state == HOST_NOT_RUN || h->state == HOST_WAITING)
		return "not run";
	if (h->held)
		return "held";
	if (h->gate_hold != GATE_OPEN && h->exit == EXIT_FINDINGS)
		return gate_hold_word(h->gate_hold);
	switch (h->exit) {
	case EXIT_HEALTHY:
		return h->changed ? "fixed" : "healthy";
	case EXIT_FINDINGS:
		return fl->o->dry_run && fl->fixing && h->changed ?
		    "would fix" : "findings";
	case EXIT_UNDONE:
		return "undone";
	case EXIT_FIX_FAILED:
		return "failed";
	case EXIT_LOCKED:
		return "locked";
	case EXIT_UNREACHABLE:
		return "unreachable";
	}
	return "error";
}

/* This host's configuration: the file, the inventory's settings, the
 * fleet's probe set. */
static struct conf *
host_conf(struct fleet *fl, const struct inv_host *h)
{
	struct conf *c = conf_dup(fl->conf);
	const struct probe *const *t;
	const char *const *want;
	struct buf dis = BUF_INIT;
	size_t i, j, n;
	int own_disable = 0, own_required = 0;

	/* the controller's own name is not the host's: a host is named by
	 * its inventory name=, or its address */
	conf_override(c, "site.host_name", "");
	for (i = 0; i < h->nset; i++) {
		conf_override(c, h->set[i].key, h->set[i].value);
		if (strcmp(h->set[i].key, "probes.disable") == 0)
			own_disable = 1;
		if (strcmp(h->set[i].key, "agent.required") == 0)
			own_required = 1;
	}
	if (!own_required)
		conf_override(c, "agent.required", "true");
	if (!own_disable) {
		want = conf_list(c, "fleet.probes");
		t = probe_table(&n);
		for (i = 0; i < n; i++) {
			for (j = 0; want != NULL && want[j] != NULL; j++)
				if (strcmp(want[j], t[i]->name) == 0)
					break;
			if (want == NULL || want[j] == NULL)
				buf_printf(&dis, "%s%s", dis.len ? "," : "",
				    t[i]->name);
		}
		conf_override(c, "probes.disable", dis.len ? dis.data : "");
		buf_free(&dis);
	}
	return c;
}

/* Changes made (or planned, in a dry run) by the host's playbooks. */
static int
count_changed(const struct report *rep)
{
	size_t i, j, k;
	int n = 0;

	for (i = 0; i < rep->nruns; i++)
		for (j = 0; j < rep->runs[i].nrecords; j++) {
			const struct step_record *rec = &rep->runs[i].records[j];
			for (k = 0; k < rec->changes.n; k++)
				if (rec->changes.v[k]->kind != CHANGE_CHECK &&
				    (rec->changes.v[k]->outcome == OUT_CHANGED ||
				    (rep->dry_run && rec->outcome ==
				    OUT_CHANGED)))
					n++;
		}
	return n;
}

/* The first failed step's message. */
static char *
failure_of(const struct report *rep)
{
	size_t i, j;

	size_t k;
	const char *m;

	for (i = 0; i < rep->nruns; i++)
		for (j = 0; j < rep->runs[i].nrecords; j++) {
			const struct step_record *rec = &rep->runs[i].records[j];
			m = NULL;
			for (k = 0; k < rec->changes.n && m == NULL; k++)
				if (rec->changes.v[k]->outcome == OUT_FAILED &&
				    rec->changes.v[k]->message != NULL)
					m = rec->changes.v[k]->message;
			if (m == NULL && (rec->outcome == OUT_FAILED ||
			    rec->outcome == OUT_UNDONE))
				m = rec->message;
			if (m != NULL)
				return xasprintf("playbook %s, step %d (%s): "
				    "%.*s", rep->runs[i].pb->name, rec->index,
				    rec->type, MESSAGE_MAX, m);
		}
	if (rep->nnotes > 0)
		return xstrndup(rep->notes[0], MESSAGE_MAX);
	return NULL;
}

/* Why the gate held the host: the note of a held finding. */
static char *
held_why(const struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->nfindings; i++)
		if (rep->findings[i].state == FINDING_HELD &&
		    rep->findings[i].note != NULL)
			return xstrndup(rep->findings[i].note, MESSAGE_MAX);
	return NULL;
}

static int
is_shared_fault(struct fleet *fl, const char *id)
{
	const char *const *v = conf_list(fl->conf, "fleet.shared_faults");
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], id) == 0)
			return 1;
	return 0;
}

static const char *
shared_hint(const char *id)
{
	if (strcmp(id, "agent.link") == 0)
		return "the agents run but none reaches gse_task: is gse_task "
		    "down, or its address or port changed, or a firewall in "
		    "between?";
	if (strcmp(id, "agent.tls") == 0)
		return "the agents' certificates no longer match gse_task's: "
		    "was a certificate rotated?";
	if (strcmp(id, "agent.cloud") == 0)
		return "the agents are all in another cloud area: is the "
		    "expected cloudid of the inventory right?";
	return "one cause shared by the hosts is likely";
}

/* Called with the lock held by the last host of the first wave (or when
 * the wave cannot complete). */
static void
decide_wave(struct fleet *fl)
{
	const struct fault *t;
	long pct = conf_int(fl->conf, "fleet.shared_percent");
	long min = conf_int(fl->conf, "fleet.shared_min_hosts");
	size_t n, i, best = 0, bi = 0;

	fl->wave_decided = 1;
	pthread_cond_broadcast(&fl->cond);
	if (!fl->fixing || fl->wave_counts == NULL)
		return;
	t = fault_table(&n);
	for (i = 0; i < n; i++)
		if (is_shared_fault(fl, t[i].id) && fl->wave_counts[i] > best) {
			best = fl->wave_counts[i];
			bi = i;
		}
	if (best == 0 || (long)best < min || (long)best * 100 <= pct *
	    (long)fl->wave_arrived)
		return;
	fl->shared_note = xasprintf("%zu of the first %zu hosts show %s (%s): "
	    "%s", best, fl->wave_arrived, t[bi].id, t[bi].title,
	    shared_hint(t[bi].id));
	if (fl->o->go_on)
		return;
	fl->shared_hold = 1;
	fl->stop = 1;
	free(fl->stop_reason);
	fl->stop_reason = xasprintf("likely shared cause, nothing repaired "
	    "(--go-on repairs host by host anyway): %s", fl->shared_note);
}

/* A host of the first wave reports its findings (rep NULL: none, it could
 * not be diagnosed) and waits for the decision.  Returns 1 to hold. */
static int
wave_arrive(struct fleet *fl, size_t idx, const struct report *rep)
{
	const struct fault *t;
	size_t n, i, j;
	int hold;

	if (idx >= fl->wave)
		return 0;
	pthread_mutex_lock(&fl->lock);
	if (rep != NULL && fl->wave_counts != NULL) {
		t = fault_table(&n);
		for (i = 0; i < rep->nfindings; i++)
			for (j = 0; j < n; j++)
				if (rep->findings[i].fault == &t[j])
					fl->wave_counts[j]++;
	}
	fl->wave_arrived++;
	if (fl->wave_arrived >= fl->wave && !fl->wave_decided)
		decide_wave(fl);
	while (!fl->wave_decided && !fl->stop && rep != NULL)
		pthread_cond_wait(&fl->cond, &fl->lock);
	hold = fl->shared_hold;
	pthread_mutex_unlock(&fl->lock);
	return hold;
}

static void
print_json_host(struct fleet *fl, size_t idx, const struct report *rep)
{
	const struct inv_host *h = &fl->inv->hosts[idx];
	struct host_result *r = &fl->res[idx];
	json_t *o = json_object(), *arr = json_array();
	char *text = NULL, *head, *safe;
	size_t len = 0;
	FILE *mem;

	json_object_set_new(o, "host", json_string(h->spec));
	if (h->group != NULL)
		json_object_set_new(o, "group", json_string(h->group));
	json_object_set_new(o, "result", json_string(result_word(fl, r)));
	json_object_set_new(o, "exit_code", json_integer(r->exit));
	if (r->findings != NULL && *r->findings != '\0') {
		char *copy = xstrdup(r->findings), *p = copy, *id;
		while ((id = strsep(&p, ",")) != NULL)
			json_array_append_new(arr, json_string(id));
		free(copy);
	}
	json_object_set_new(o, "findings", arr);
	json_object_set_new(o, "changed", json_integer(r->changed));
	json_object_set_new(o, "held_by", r->gate_hold != GATE_OPEN ?
	    json_string(gate_hold_word(r->gate_hold)) : json_null());
	json_object_set_new(o, "ms", json_integer(r->ms));
	safe = redact(r->message != NULL ? r->message : "");
	json_object_set_new(o, "message", r->message != NULL ?
	    json_string(safe) : json_null());
	free(safe);
	head = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (rep != NULL && (mem = open_memstream(&text, &len)) != NULL) {
		report_json(rep, mem);
		fclose(mem);
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
	}
	/* {"host":...,"report":{...}}: the head without its closing brace */
	head[strlen(head) - 1] = '\0';
	pthread_mutex_lock(&fl->lock);
	fprintf(fl->out, "%s%s", fl->json_first ? "\n" : ",\n", head);
	if (text != NULL && len > 0)
		fprintf(fl->out, ",\"report\":%s", text);
	fputc('}', fl->out);
	fl->json_first = 0;
	pthread_mutex_unlock(&fl->lock);
	free(head);
	free(text);
}

/* Runs one host from connect to summary. */
static void
run_host(struct fleet *fl, size_t idx)
{
	const struct inv_host *h = &fl->inv->hosts[idx];
	struct host_result *res = &fl->res[idx];
	struct conf *conf;
	struct transport *tp = NULL;
	struct site *site = NULL;
	struct report *rep = NULL;
	struct facts *facts = NULL;
	struct engine_opts eo;
	struct buf ids = BUF_INIT;
	const char *name;
	char *cause = NULL, *dir = NULL, *hname;
	int64_t start = now_ms(), deadline;
	size_t i;
	int r, arrived = 0, lockfd = -1;

	conf = host_conf(fl, h);
	deadline = start + conf_int(conf, "fleet.host_timeout_ms");
	if ((r = remote_connect(conf, h->user, h->host, h->port, &fl->o->cli,
	    deadline, &tp, &cause)) != 0) {
		res->exit = r == -JF_ERR_USAGE ? EXIT_USAGE : EXIT_UNREACHABLE;
		res->message = cause;
		cause = NULL;
		goto out;
	}
	/* its inventory name=, else named as -H names it (remote_host_name):
	 * the audit records, the state directory and `jobfix -H HOST undo`
	 * agree; host_conf dropped the controller's own site.host_name */
	name = conf_str(conf, "site.host_name");
	hname = remote_host_name(h->host, h->port);
	site = site_new(conf, tp, name != NULL && *name != '\0' ? name :
	    hname);
	free(hname);
	site->keep_state = fl->fixing && !fl->o->dry_run;
	rep = report_new(fl->o->command, site->host, conf_str(conf,
	    "site.root"), fl->o->dry_run);
	facts = facts_new();
	if (engine_gather(site, facts, &cause) != 0) {
		report_note(rep, _("probing failed: %s"), cause);
		free(cause);
		cause = NULL;
	}
	engine_findings(facts, fl->pbs, rep);
	/* a probe that could not look is no clean bill of health */
	for (i = 0; i < facts->n; i++) {
		if (!str_endswith(facts->v[i].name, ".probe"))
			continue;
		res->exit = EXIT_UNREACHABLE;
		res->message = xasprintf("probe %s: %.*s", facts->v[i].value,
		    MESSAGE_MAX, facts->v[i].evidence);
		break;
	}
	for (i = 0; i < rep->nfindings; i++)
		buf_printf(&ids, "%s%s", i ? "," : "",
		    rep->findings[i].fault->id);
	res->nfindings = (int)rep->nfindings;
	res->findings = xstrdup(ids.len ? ids.data : "");
	arrived = 1;
	if (res->exit != 0) {
		wave_arrive(fl, idx, NULL);
		goto report;
	}
	if (wave_arrive(fl, idx, rep)) {
		res->held = 1;
		res->exit = EXIT_FINDINGS;
		goto report;
	}
	if (fl->fixing) {
		if (now_ms() > deadline) {
			res->exit = EXIT_FIX_FAILED;
			res->message = xasprintf("%s: the host's deadline "
			    "(fleet.host_timeout_ms) passed before the repair",
			    h->spec);
			goto report;
		}
		/* the host's lock on this controller: another fleet or -H
		 * run on it waits its turn (the gate checks the host's own
		 * lock and maintenance flag before every change) */
		if (!fl->o->dry_run && (site_state_subdir(site, NULL, &dir,
		    &cause) != 0 || (lockfd = lock_acquire(dir, 0,
		    &cause)) < 0)) {
			res->exit = lockfd == -JF_ERR_REFUSED ? EXIT_LOCKED :
			    EXIT_USAGE;
			res->message = cause;
			cause = NULL;
			goto report;
		}
		memset(&eo, 0, sizeof eo);
		eo.dry_run = fl->o->dry_run;
		eo.allow_restart = fl->o->allow_restart;
		eo.only = fl->o->playbook;
		eo.guarded = 1;
		engine_fix(site, facts, fl->pbs, rep, &eo);
		res->gate_hold = rep->gate_hold;
	}
	rep->exit_code = engine_exit_code(rep, fl->fixing);
	res->exit = rep->exit_code;
	res->changed = count_changed(rep);
	if (res->exit >= EXIT_USAGE)
		res->message = failure_of(rep);
	else if (res->gate_hold != GATE_OPEN)
		res->message = held_why(rep);
	else if (rep->nnotes > 0 && fl->o->verbose)
		res->message = xstrndup(rep->notes[0], MESSAGE_MAX);
report:
	if (res->held)
		rep->exit_code = EXIT_FINDINGS;
	else if (res->exit > rep->exit_code)
		rep->exit_code = res->exit;
out:
	lock_release(lockfd);
	free(dir);
	if (!arrived)
		wave_arrive(fl, idx, NULL);
	res->ms = now_ms() - start;
	if (fl->metrics != NULL)
		metrics_add(fl->metrics, site != NULL ? site->host : h->spec,
		    site, rep, fl->pbs, res->exit, res->ms);
	if (fl->o->json)
		print_json_host(fl, idx, rep);
	buf_free(&ids);
	facts_free(facts);
	report_free(rep);
	free(cause);
	/* a probe abandoned at its deadline may still use this host's
	 * session: never close it under the thread (see site_drain) */
	if (site_drain(site, 5000) != 0) {
		warnx(_("%s: a probe still runs past its deadline; its session "
		    "is left open"), h->spec);
		return;
	}
	site_free(site);
	transport_free(tp);
	conf_free(conf);
}

static void
progress(struct fleet *fl)
{
	if (!fl->o->progress)
		return;
	fputc('\r', stderr);
	fprintf(stderr, _("jobfix fleet: %zu/%zu done, %zu running, %zu failed "
	    "(%.1f s) "), fl->done, fl->inv->n, fl->running, fl->failed,
	    (double)(now_ms() - fl->start) / 1000);
	fflush(stderr);
}

/* The next host to start, or -1. */
static long
next_host(struct fleet *fl)
{
	long idx = -1;

	pthread_mutex_lock(&fl->lock);
	for (;;) {
		if (fl->stop || fl->next >= fl->inv->n)
			break;
		if (fl->canary > 0 && fl->next >= fl->canary &&
		    fl->canary_done < fl->canary) {
			pthread_cond_wait(&fl->cond, &fl->lock);
			continue;
		}
		idx = (long)fl->next++;
		fl->res[idx].state = HOST_RUNNING;
		fl->running++;
		break;
	}
	pthread_mutex_unlock(&fl->lock);
	return idx;
}

static void
host_done(struct fleet *fl, size_t idx)
{
	struct host_result *r = &fl->res[idx];
	long max_fail = fl->o->max_fail;

	pthread_mutex_lock(&fl->lock);
	r->state = HOST_DONE;
	fl->running--;
	fl->done++;
	if (r->exit >= EXIT_USAGE)
		fl->failed++;
	if (idx < fl->canary) {
		fl->canary_done++;
		if (r->exit >= EXIT_USAGE && !fl->stop) {
			fl->stop = 1;
			free(fl->stop_reason);
			fl->stop_reason = xasprintf("canary host %s failed: no "
			    "other host is started", fl->inv->hosts[idx].spec);
		}
	}
	if (max_fail >= 0 && !fl->stop && (long)fl->failed * 100 > max_fail *
	    (long)fl->inv->n) {
		fl->stop = 1;
		free(fl->stop_reason);
		fl->stop_reason = xasprintf("%zu of %zu hosts failed, more than "
		    "--max-fail %ld%%: no other host is started", fl->failed,
		    fl->inv->n, max_fail);
	}
	/* a wave that can no longer fill up decides with what it has */
	if (fl->stop && !fl->wave_decided)
		decide_wave(fl);
	progress(fl);
	pthread_cond_broadcast(&fl->cond);
	pthread_mutex_unlock(&fl->lock);
}

static void *
worker(void *arg)
{
	struct fleet *fl = arg;
	long idx;

	while ((idx = next_host(fl)) >= 0) {
		run_host(fl, (size_t)idx);
		host_done(fl, (size_t)idx);
	}
	return NULL;
}

static void
print_text(struct fleet *fl, size_t *counts)
{
	const struct inv_host *h;
	struct host_result *r;
	size_t i, w = 4, fw = 8;
	const char *words[] = { N_("healthy"), N_("fixed"), N_("would fix"),
		N_("findings"), N_("held"), N_("paused"),
		N_("held by rate limit"), N_("refused"), N_("undone"),
		N_("failed"), N_("unreachable"), N_("locked"), N_("error"),
		N_("not run") };
	int first;

	for (i = 0; i < fl->inv->n; i++) {
		if (strlen(fl->inv->hosts[i].spec) > w)
			w = strlen(fl->inv->hosts[i].spec);
		if (fl->res[i].findings != NULL &&
		    strlen(fl->res[i].findings) > fw)
			fw = strlen(fl->res[i].findings);
	}
	if (w > 40)
		w = 40;
	if (fw > 40)
		fw = 40;
	/* TRANSLATORS: the headings of the fleet summary's columns */
	fprintf(fl->out, "%-*s  %-*s  %7s  %s\n", (int)w, _("HOST"), (int)fw,
	    _("FINDINGS"), _("CHANGED"), _("RESULT"));
	for (i = 0; i < fl->inv->n; i++) {
		h = &fl->inv->hosts[i];
		r = &fl->res[i];
		if (fl->o->quiet && r->exit == EXIT_HEALTHY &&
		    r->state == HOST_DONE)
			continue;
		fprintf(fl->out, "%-*s  %-*s  %7d  %s\n", (int)w, h->spec,
		    (int)fw, r->findings != NULL && *r->findings ? r->findings :
		    "-", r->changed, _(result_word(fl, r)));
	}
	first = 1;
	for (i = 0; i < fl->inv->n; i++) {
		char *safe;

		r = &fl->res[i];
		if (r->message == NULL)
			continue;
		if (first)
			fprintf(fl->out, "\n%s\n", _("Why"));
		first = 0;
		safe = redact(r->message);
		fprintf(fl->out, "  %s: %s\n", fl->inv->hosts[i].spec, safe);
		free(safe);
	}
	if (fl->shared_note != NULL)
		fprintf(fl->out, _("\nLikely shared cause: %s\n"), fl->shared_note);
	if (fl->stop_reason != NULL)
		fprintf(fl->out, _("\nStopped: %s\n"), fl->stop_reason);
	fprintf(fl->out, ngettext("\n%zu host", "\n%zu hosts", fl->inv->n),
	    fl->inv->n);
	first = 1;
	for (i = 0; i < nitems(words); i++) {
		if (counts[i] == 0)
			continue;
		fprintf(fl->out, "%s %zu %s", first ? ":" : ",", counts[i],
		    _(words[i]));
		first = 0;
	}
	fprintf(fl->out, "; %.1f s\n", (double)(now_ms() - fl->start) / 1000);
}

int
fleet_run(struct conf *conf, const struct playbook_set *pbs,
    const struct inventory *inv, const struct fleet_opts *o, FILE *out)
{
	static const char *const words[] = { "healthy", "fixed", "would fix",
		"findings", "held", "paused", "held by rate limit", "refused",
		"undone", "failed", "unreachable", "locked", "error", "not run" };
	struct fleet fl;
	pthread_attr_t attr;
	pthread_t *threads;
	size_t nthreads, i, j, nfaults, counts[nitems(words)];
	int exit = EXIT_HEALTHY, e;

	memset(&fl, 0, sizeof fl);
	memset(counts, 0, sizeof counts);
	fl.conf = conf;
	fl.pbs = pbs;
	fl.inv = inv;
	fl.o = o;
	fl.out = out;
	fl.fixing = strcmp(o->command, "diagnose") != 0;
	fl.json_first = 1;
	fl.start = now_ms();
	pthread_mutex_init(&fl.lock, NULL);
	pthread_cond_init(&fl.cond, NULL);
	fl.res = xcalloc(inv->n ? inv->n : 1, sizeof *fl.res);
	if (*conf_str(conf, "metrics.textfile") != '\0')
		fl.metrics = metrics_new();
	nthreads = o->forks > 0 ? (size_t)o->forks : (size_t)conf_int(conf,
	    "fleet.forks");
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > inv->n)
		nthreads = inv->n;
	fl.canary = o->canary > 0 ? (size_t)o->canary : 0;
	if (fl.canary > inv->n)
		fl.canary = inv->n;
	fl.wave = fl.canary > 0 ? fl.canary : nthreads;
	fault_table(&nfaults);
	fl.wave_counts = xcalloc(nfaults ? nfaults : 1, sizeof *fl.wave_counts);
	if (inv->n == 0)
		fl.wave_decided = 1;

	if (o->json)
		fprintf(out, "{\"jobfix\":\"%s\",\"command\":\"fleet\",\"mode\":"
		    "\"%s\",\"dry_run\":%s,\"inventory\":", PACKAGE_VERSION,
		    o->command, o->dry_run ? "true" : "false");
	if (o->json) {
		json_t *s = json_string(inv->path);
		char *d = json_dumps(s, JSON_ENCODE_ANY);
		fprintf(out, "%s,\"hosts\":[", d);
		free(d);
		json_decref(s);
	}
	threads = xcalloc(nthreads ? nthreads : 1, sizeof *threads);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (i = 0; i < nthreads; i++) {
		if ((e = pthread_create(&threads[i], &attr, worker, &fl)) != 0) {
			warnx(_("cannot start worker %zu: %s; going on with %zu"),
			    i + 1, strerror(e), i);
			nthreads = i;
			break;
		}
	}
	pthread_attr_destroy(&attr);
	if (nthreads == 0 && inv->n > 0) {
		/* not even one thread: work here */
		worker(&fl);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	if (o->progress)
		fprintf(stderr, "\r\033[K");
	if (fl.metrics != NULL) {
		char *cause = NULL;
		if (metrics_write(fl.metrics, conf_str(conf, "metrics.textfile"),
		    &cause) != 0) {
			warnx(_("metrics: %s"), cause);
			free(cause);
		}
		metrics_free(fl.metrics);
	}

	for (i = 0; i < inv->n; i++) {
		struct host_result *r = &fl.res[i];
		const char *w;

		if (r->state != HOST_DONE) {
			r->state = HOST_NOT_RUN;
			r->exit = EXIT_FINDINGS;
		}
		w = result_word(&fl, r);
		for (j = 0; j < nitems(words); j++)
			if (strcmp(words[j], w) == 0)
				counts[j]++;
		if (r->exit > exit)
			exit = r->exit;
	}
	/* diagnose: a fault on most hosts is worth saying, too */
	if (!fl.fixing && fl.shared_note == NULL && inv->n > 0) {
		const struct fault *t = fault_table(&nfaults);
		size_t best = 0, bi = 0, k;
		for (k = 0; k < nfaults; k++) {
			size_t c = 0;
			if (!is_shared_fault(&fl, t[k].id))
				continue;
			for (i = 0; i < inv->n; i++) {
				const char *f = fl.res[i].findings, *p;
				size_t l = strlen(t[k].id);
				for (p = f; p != NULL && (p = strstr(p,
				    t[k].id)) != NULL; p += l)
					if ((p == f || p[-1] == ',') &&
					    (p[l] == ',' || p[l] == '\0')) {
						c++;
						break;
					}
			}
			if (c > best) {
				best = c;
				bi = k;
			}
		}
		if ((long)best >= conf_int(conf, "fleet.shared_min_hosts") &&
		    (long)best * 100 > conf_int(conf, "fleet.shared_percent") *
		    (long)inv->n)
			fl.shared_note = xasprintf("%zu of %zu hosts show %s "
			    "(%s): %s", best, inv->n, t[bi].id, t[bi].title,
			    shared_hint(t[bi].id));
	}

	if (o->json) {
		json_t *s = json_object(), *c = json_object();
		char *d;
		for (j = 0; j < nitems(words); j++)
			if (counts[j] > 0)
				json_object_set_new(c, words[j],
				    json_integer((json_int_t)counts[j]));
		json_object_set_new(s, "hosts", json_integer((json_int_t)inv->n));
		json_object_set_new(s, "results", c);
		json_object_set_new(s, "shared_cause", fl.shared_note ?
		    json_string(fl.shared_note) : json_null());
		json_object_set_new(s, "stopped", fl.stop_reason ?
		    json_string(fl.stop_reason) : json_null());
		json_object_set_new(s, "seconds", json_real((double)(now_ms() -
		    fl.start) / 1000));
		json_object_set_new(s, "exit_code", json_integer(exit));
		d = json_dumps(s, JSON_COMPACT);
		fprintf(out, "%s],\"summary\":%s,\"exit_code\":%d}\n",
		    fl.json_first ? "" : "\n", d, exit);
		free(d);
		json_decref(s);
	} else
		print_text(&fl, counts);
	fflush(out);

	for (i = 0; i < inv->n; i++) {
		free(fl.res[i].findings);
		free(fl.res[i].message);
	}
	free(fl.res);
	free(fl.wave_counts);
	free(fl.shared_note);
	free(fl.stop_reason);
	pthread_mutex_destroy(&fl.lock);
	pthread_cond_destroy(&fl.cond);
	return exit;
}
