/*
 * cmd_sync.c — `packbench sync --once|--daemon`: the sync worker (market/worker.h) over
 * every [shop] of the configuration, without the station.
 *
 *   --once     one pass over every shop, a line per shop on stdout; exit 0 when every
 *              shop this process held succeeded (a shop another process holds is
 *              named and skipped)
 *   --daemon   passes every [sync] interval_s until SIGTERM or SIGINT, then the leases
 *              are released and it exits 0; log lines on stderr (journald), never a
 *              secret. data/systemd/packbench-sync.service runs it. The signal also
 *              ends a wait for a lost database (db_interrupt()): it stops at once,
 *              the leases left to run out.
 *
 * Both take and renew each shop's lease, so any number of these and of stations can
 * share one database: one of them pulls a given shop at a time. Each shop has its own
 * worker, thread and database connection here, so shops are worked side by side.
 */
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "core/db.h"
#include "market/worker.h"
#include "station_sync.h"

int cmd_sync_run(struct cmd_ctx *c);

/* One shop's worker on its own thread and database connection. */
struct job {
	pthread_t th;
	struct db *db;
	struct worker *w;
	struct worker_result r;
	const char *name;           /* the shop's, for log lines */
	int once, bad, started;
	int db_lost;                /* its connection is lost and being re-opened */
};

static struct job *volatile running;
static volatile size_t nrunning;

static void
on_signal(int sig)
{
	size_t i;

	(void)sig;
	for (i = 0; running != NULL && i < nrunning; i++)
		if (running[i].w != NULL)
			worker_stop(running[i].w);
	db_interrupt();             /* a wait for a lost database ends now */
}

static void
job_log(const struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A log line of the daemon's, as the worker writes them (stderr, journald). */
static void
job_log(const struct job *j, const char *fmt, ...)
{
	char stamp[32], line[256];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s packbench sync: %s: %s\n", stamp, j->name, line);
}

/* The job's database connection lost and re-opened with backoff (db_set_wait_hook()),
 * which holds the worker up to about 25 s a statement: said, and remembered for the stop. */
static void
job_db_wait(void *arg, int attempt, int64_t waited_ms)
{
	struct job *j = arg;

	j->db_lost = attempt != 0;
	if (attempt == 1)
		job_log(j, "database connection lost — reconnecting");
	else if (attempt == 0)
		job_log(j, "database connection restored after %lld.%lld s",
		    (long long)(waited_ms / 1000), (long long)(waited_ms % 1000 / 100));
	else if (attempt < 0 && !db_interrupted())
		job_log(j, "database still unreachable after %lld s", (long long)(waited_ms / 1000));
}

static void *
job_run(void *arg)
{
	struct job *j = arg;

	if (j->once)
		j->bad = worker_pass(j->w, &j->r) != 0;
	else
		worker_run(j->w);
	return NULL;
}

static void
print_result(const struct worker_shop *sh, const struct worker_result *r)
{
	if (!r->held && r->other[0] != '\0') {
		printf("%s: held by %s, skipped\n", sh->name, r->other);
		return;
	}
	printf("%s: pulled %" PRId64 ", created %" PRId64 ", updated %" PRId64, sh->name,
	    r->pulled, r->created, r->updated);
	if (r->skipped > 0)
		printf(", skipped %" PRId64, r->skipped);
	if (r->outbox_ran)
		printf("; outbox sent %" PRId64 ", failed %" PRId64 ", pending %" PRId64 "\n",
		    r->outbox_sent, r->outbox_failed, r->outbox_pending);
	else
		printf("; outbox not drained (no ship call for %s yet)\n", sh->channel);
	if (r->error[0] != '\0')
		fprintf(stderr, "packbench: sync %s: %s\n", sh->name, r->error);
}

int
cmd_sync_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "once", no_argument, NULL, 'o' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct station_sync_shops ss = { 0 };
	struct worker_opts wo = { 0 };
	struct sigaction sa, old_int, old_term;
	struct job *jobs = NULL;
	struct config cfg;
	struct session s;
	struct db *db;
	char err[512];
	size_t i;
	int opt, rc, once = 0, daemon = 0, quiet = 0, bad;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 'o')
			once = 1;
		else if (opt == 'd')
			daemon = 1;
		else if (opt == 'q')
			quiet = 1;
		else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc || once == daemon)
		return cmd_usage(c);
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	if (cfg.nshops == 0) {
		fprintf(stderr, "packbench: sync: no [shop] in the configuration\n");
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (cmd_open(c, &db, &s) != 0) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	/* With --user the operator must be allowed what the sync screen is. */
	if (session_require(&s, ROLE_SUPERVISOR, "run the marketplace sync") != 0) {
		cmd_fail(&s);
		db_close(db);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	station_sync_shops(&cfg, &ss);
	station_sync_opts(&cfg, &wo);
	wo.quiet = quiet || once;
	rc = EXIT_FAIL;
	if (ss.n == 0) {
		fprintf(stderr, "packbench: sync: no configured shop's channel can pull orders\n");
		goto out;
	}
	/* Each shop on its own thread and connection: a slow or rate-limited shop does not
	 * hold the others back, and their network waits overlap. */
	jobs = calloc(ss.n, sizeof *jobs);
	if (jobs == NULL)
		goto out;
	for (i = 0; i < ss.n; i++) {
		if (db_open(&jobs[i].db, db_path(db), err, sizeof err) != 0) {
			fprintf(stderr, "packbench: sync: %s\n", err);
			goto out;
		}
		if (worker_new(jobs[i].db, &ss.v[i], 1, &wo, &jobs[i].w, err, sizeof err) != 0) {
			fprintf(stderr, "packbench: %s\n", err);
			goto out;
		}
		jobs[i].once = once;
		jobs[i].name = ss.v[i].name;
		if (!once)
			db_set_wait_hook(jobs[i].db, job_db_wait, &jobs[i]);
	}
	if (!once) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		nrunning = ss.n;
		running = jobs;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		signal(SIGPIPE, SIG_IGN);
	}
	for (i = 0; i < ss.n; i++) {
		if (pthread_create(&jobs[i].th, NULL, job_run, &jobs[i]) != 0) {
			fprintf(stderr, "packbench: sync: cannot start a thread\n");
			on_signal(0);
			break;
		}
		jobs[i].started = 1;
	}
	bad = 0;
	for (i = 0; i < ss.n; i++) {
		if (jobs[i].started)
			pthread_join(jobs[i].th, NULL);
		else
			bad++;
		bad += jobs[i].bad;
	}
	if (!once) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		running = NULL;
		nrunning = 0;
		for (i = 0; i < ss.n; i++)
			if (jobs[i].db_lost)
				job_log(&jobs[i], "stopped while waiting for the database; the owed "
				    "calls stay in the outbox");
		rc = bad ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	for (i = 0; i < ss.n; i++)
		print_result(&ss.v[i], &jobs[i].r);
	for (i = 0; i < ss.skipped; i++)
		printf("%s: %s: no connector with order pull, skipped\n", ss.skipped_names[i],
		    ss.skipped_channels[i]);
	rc = bad == 0 ? EXIT_OK : EXIT_FAIL;
out:
	for (i = 0; jobs != NULL && i < ss.n; i++) {
		worker_free(jobs[i].w);
		if (jobs[i].db != NULL)
			db_close(jobs[i].db);
	}
	free(jobs);
	station_sync_shops_free(&ss);
	db_close(db);
	config_free(&cfg);
	return rc;
}
