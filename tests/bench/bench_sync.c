/*
 * bench_sync.c — the sync path end to end over loopback: packbench-marketsim serving six
 * shops (two Shopee, two Lazada, two TikTok Shop) and the sync worker (market/worker.h)
 * pulling them into a fresh database, as the daemon and the station thread do.
 *
 *   bench_sync SIMULATOR SKUS [ORDERS [RATE [SECONDS]]]
 *
 *   1. no rate limit: ORDERS (default 50,000) spread over the six shops, pulled one shop
 *      after the other (as the station's sync thread does), then into a fresh database
 *      by six workers on six threads at once (as `sync --daemon` does); orders per
 *      second end to end (list, detail, mapping, upsert, commit), each order checked
 *      stored exactly once, and the CPU time of both sides;
 *   2. a rate limit of RATE requests/s (default 50) on a seventh shop (Shopee) at the
 *      simulator and the same rate configured for our bucket, with orders for about
 *      SECONDS (default 10) of calls: requests per second achieved against the limit
 *      (also without the bucket's initial burst of RATE/2) and the 429 answers the
 *      simulator gave.
 *
 * Prints its figures. The database is kept under $TMPDIR (bench_sync.db).
 */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "core/db.h"
#include "core/session.h"
#include "core/sku.h"
#include "core/stock.h"
#include "market/request.h"
#include "market/transport.h"
#include "market/worker.h"

#define NSHOPS 6
#define RL_SHOP "rl-shopee"
#define RL2_SHOP "rl2-shopee"      /* our bucket set to twice its limit */

static const char *const shop_specs[NSHOPS] = {
	"shopee:b-shopee-1", "shopee:b-shopee-2", "lazada:b-lazada-1", "lazada:b-lazada-2",
	"tiktok:b-tiktok-1", "tiktok:b-tiktok-2",
};

static pid_t sim_pid;
static unsigned short sim_port;
static struct transport *ctl;
static char base[64];

/* CPU seconds of this process (who: RUSAGE_SELF) or its waited-for children. */
static double
cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds the simulator has used so far (/proc), -1 when unreadable. */
static double
sim_cpu_s(void)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)sim_pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* Fields after the command: state is 3rd; utime and stime are the 14th and 15th. */
	for (i = 3; i < 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_sync: %s\n", what);
	if (sim_pid > 0)
		kill(sim_pid, SIGTERM);
	exit(1);
}

static void
sim_start(const char *path, const char *const *args)
{
	const char *argv[64];
	char line[32], err[256];
	int fds[2], n = 0, i;
	FILE *f;

	argv[n++] = path;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(fds) != 0 || (sim_pid = fork()) < 0)
		die("cannot start the simulator");
	if (sim_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (f == NULL || fgets(line, sizeof line, f) == NULL || (sim_port = (unsigned short)
	    atoi(line)) == 0)
		die("the simulator did not say its port");
	fclose(f);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim_port);
	if ((ctl = transport_new(base, NULL, NULL, err, sizeof err)) == NULL)
		die(err);
}

/* A control call: the parsed answer (caller decrefs). */
static json_t *
sim_ctl(const char *method, const char *path, const char *body)
{
	struct transport_resp resp = { 0 };
	struct market_error err;
	struct request r;
	json_t *root = NULL;

	request_init(&r, method, REQUEST_API, path);
	if (body != NULL) {
		request_set_body(&r, strdup(body));
		request_header(&r, "Content-Type", "application/json");
	}
	request_finish(&r);
	if (transport_send(ctl, &r, &resp, &err) == MC_OK && resp.http == 200)
		root = json_loadb(resp.body, resp.len, 0, NULL);
	transport_resp_free(&resp);
	request_free(&r);
	if (root == NULL)
		die(path);
	return root;
}

static int64_t
counter(const char *shop, const char *name)
{
	char path[128];
	json_t *c;
	int64_t v;

	snprintf(path, sizeof path, "/_sim/counters?shop=%s", shop);
	c = sim_ctl("GET", path, NULL);
	v = (int64_t)json_integer_value(json_object_get(c, name));
	json_decref(c);
	return v;
}

static void
import_skus(struct session *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[128];
	int64_t wh;

	if (f == NULL || warehouse_upsert(s, "HCM", "Kho HCM", "Hồ Chí Minh", &wh) != 0)
		die("SKUs");
	while (fgets(line, sizeof line, f) != NULL) {
		struct sku_in in = { 0 };
		int64_t id;

		line[strcspn(line, "#\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		in.sku = line;
		in.name = line;
		in.weight_g = 100;
		in.cost = -1;
		if (sku_upsert(s, &in, &id) != 0 || stock_receive(s, wh, id, "", 0, 1000000, NULL))
			die("SKUs");
	}
	fclose(f);
}

/* The simulator's shops as worker rows (strings kept in the json until the end). */
static size_t
shops_from_sim(json_t *shops, struct worker_shop *out, size_t max, int64_t rate,
    const char *only)
{
	json_t *sh;
	size_t i, n = 0;
	static char bases[16][96];

	json_array_foreach(json_object_get(shops, "shops"), i, sh) {
		const char *code = json_string_value(json_object_get(sh, "code"));
		const char *ch = json_string_value(json_object_get(sh, "channel"));
		struct worker_shop *w;

		if (n >= max || (only != NULL ? strcmp(code, only) != 0 :
		    strncmp(code, "rl", 2) == 0))
			continue;
		w = &out[n];
		memset(w, 0, sizeof *w);
		snprintf(bases[i % 16], sizeof bases[0], "%s/%s", base, ch);
		w->name = code;
		w->channel = ch;
		w->code = code;
		w->api_base = bases[i % 16];
		w->auth_base = bases[i % 16];
		w->creds.partner_id = json_integer_value(json_object_get(sh, "partner_id"));
		w->creds.shop_id = json_integer_value(json_object_get(sh, "shop_id"));
		w->creds.partner_key = json_string_value(json_object_get(sh, "partner_key"));
		w->creds.app_key = json_string_value(json_object_get(sh, "app_key"));
		w->creds.app_secret = json_string_value(json_object_get(sh, "app_secret"));
		w->creds.shop_cipher = json_string_value(json_object_get(sh, "shop_cipher"));
		w->creds.access_token = json_string_value(json_object_get(sh, "access_token"));
		w->creds.refresh_token = json_string_value(json_object_get(sh, "refresh_token"));
		w->rate_per_s = rate;
		n++;
	}
	return n;
}

static void
no_log(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static struct db *
open_db(const char *path)
{
	struct db *db;
	char err[512];

	if (db_open(&db, path, err, sizeof err) != 0)
		die(err);
	return db;
}

struct job {
	pthread_t th;
	struct db *db;
	struct worker_shop shop;
	struct worker_result r;
	double secs;
	int rc;
};

static void
run_one(struct job *j)
{
	struct worker_opts o = { 0 };
	struct worker *w;
	char err[256];
	double t0;

	o.log = no_log;
	o.first_s = 3 * 86400;
	if (worker_new(j->db, &j->shop, 1, &o, &w, err, sizeof err) != 0)
		die(err);
	t0 = bench_s(CLOCK_MONOTONIC);
	j->rc = worker_pass(w, &j->r);
	j->secs = bench_s(CLOCK_MONOTONIC) - t0;
	worker_free(w);
	if (j->rc != 0 || !j->r.held)
		fprintf(stderr, "bench_sync: %s: %s\n", j->shop.name, j->r.error);
}

static void *
run_thread(void *arg)
{
	run_one(arg);
	return NULL;
}

static int64_t
q(struct db *db, const char *sql)
{
	int64_t v = -1;

	db_int(db, &v, sql, "");
	return v;
}

static void
reset_db(const char *path)
{
	char buf[600];

	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
}

int
main(int argc, char **argv)
{
	const char *sim_path, *skus, *tmp = getenv("TMPDIR");
	char path[512], per[24], rl_orders[24], rate_s[24];
	const char *args[64];
	struct worker_shop shops[NSHOPS], rl;
	struct job jobs[NSHOPS], rj, rj2;
	struct session s;
	struct db *db;
	json_t *sims;
	int64_t total, rate, dur, created, stored, calls0, r429_0, calls, r429;
	double secs, tpar, t0, cpu0, cpu, scpu0, scpu;
	size_t n, i;
	int a = 0, k, st;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_sync SIMULATOR SKUS [ORDERS [RATE]]\n");
		return 2;
	}
	sim_path = argv[1];
	skus = argv[2];
	total = argc > 3 ? atoll(argv[3]) : 50000;
	rate = argc > 4 ? atoll(argv[4]) : 50;
	dur = argc > 5 ? atoll(argv[5]) : 10;
	if (total < NSHOPS || rate < 1 || dur < 1) {
		fprintf(stderr, "bench_sync: ORDERS >= %d, RATE and SECONDS >= 1\n", NSHOPS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	snprintf(per, sizeof per, "%" PRId64, total / NSHOPS);
	/* Shopee: a list call per 100 orders, a detail call per 50: 3 calls per 100. */
	snprintf(rl_orders, sizeof rl_orders, "%" PRId64, rate * dur * 100 / 3);
	snprintf(rate_s, sizeof rate_s, "%" PRId64, rate);
	args[a++] = "--seed";
	args[a++] = "9";
	args[a++] = "--skus";
	args[a++] = skus;
	for (k = 0; k < NSHOPS; k++) {
		args[a++] = "--shop";
		args[a++] = shop_specs[k];
		args[a++] = "--orders";
		args[a++] = per;
	}
	args[a++] = "--shop";
	args[a++] = "shopee:" RL_SHOP;
	args[a++] = "--orders";
	args[a++] = rl_orders;
	args[a++] = "--rate-limit";
	args[a++] = rate_s;
	args[a++] = "--shop";
	args[a++] = "shopee:" RL2_SHOP;
	args[a++] = "--orders";
	args[a++] = rl_orders;
	args[a++] = "--rate-limit";
	args[a++] = rate_s;
	args[a] = NULL;
	sim_start(sim_path, args);
	sims = sim_ctl("GET", "/_sim/shops", NULL);
	n = shops_from_sim(sims, shops, NSHOPS, 0, NULL);
	total = (total / NSHOPS) * NSHOPS;

	snprintf(path, sizeof path, "%s/bench_sync.db", tmp ? tmp : "/tmp");
	reset_db(path);
	db = open_db(path);
	session_system(&s, db, "bench");
	import_skus(&s, skus);

	/* 1a. One shop after another, as one worker does. */
	printf("sync pull, %" PRId64 " orders over %zu shops (loopback, no rate limit)\n", total,
	    n);
	secs = 0;
	created = 0;
	cpu0 = cpu_s(RUSAGE_SELF);
	scpu0 = sim_cpu_s();
	for (i = 0; i < n; i++) {
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].db = db;
		jobs[i].shop = shops[i];
		run_one(&jobs[i]);
		secs += jobs[i].secs;
		created += jobs[i].r.created;
		printf("  %-12s %-7s %7" PRId64 " orders %7.2f s %8.0f orders/s\n", shops[i].name,
		    shops[i].channel, jobs[i].r.created, jobs[i].secs,
		    jobs[i].secs > 0 ? (double)jobs[i].r.created / jobs[i].secs : 0);
	}
	cpu = cpu_s(RUSAGE_SELF) - cpu0;
	scpu = sim_cpu_s() - scpu0;
	stored = q(db, "SELECT count(*) FROM orders");
	printf("  one shop at a time (the station's thread): %" PRId64 " created, %" PRId64 " stored, %.2f s, %.0f orders/s "
	    "end to end%s\n", created, stored, secs, secs > 0 ? (double)created / secs : 0,
	    created == total && stored == total ? "" : "  MISMATCH");
	printf("    CPU: ours %.2f s (%.0f orders per CPU second), the "
	    "simulator's %.2f s, on the same cores\n", cpu, cpu > 0 ? (double)created / cpu : 0,
	    scpu);
	db_close(db);

	/* 1b. Six workers at once (a fresh database), each on its own connection. */
	reset_db(path);
	db = open_db(path);
	session_system(&s, db, "bench");
	import_skus(&s, skus);
	t0 = bench_s(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].db = open_db(path);
		jobs[i].shop = shops[i];
		pthread_create(&jobs[i].th, NULL, run_thread, &jobs[i]);
	}
	created = 0;
	for (i = 0; i < n; i++) {
		pthread_join(jobs[i].th, NULL);
		created += jobs[i].r.created;
		db_close(jobs[i].db);
	}
	tpar = bench_s(CLOCK_MONOTONIC) - t0;
	stored = q(db, "SELECT count(*) FROM orders");
	printf("  six shops at once (sync --daemon, a thread per shop): %" PRId64 " created, %" PRId64 " stored, %.2f s, %.0f orders/s "
	    "end to end%s\n", created, stored, tpar, tpar > 0 ? (double)created / tpar : 0,
	    created == total && stored == total ? "" : "  MISMATCH");

	/* 2. Against the simulator's rate limit, our bucket at the same rate. */
	if (shops_from_sim(sims, &rl, 1, rate, RL_SHOP) != 1)
		die("no rate-limited shop");
	calls0 = counter(RL_SHOP, "calls");
	r429_0 = counter(RL_SHOP, "rate_limited");
	memset(&rj, 0, sizeof rj);
	rj.db = db;
	rj.shop = rl;
	run_one(&rj);
	calls = counter(RL_SHOP, "calls") - calls0;
	r429 = counter(RL_SHOP, "rate_limited") - r429_0;
	printf("rate limit %" PRId64 " requests/s (simulator and bucket), %" PRId64 " orders\n",
	    rate, rj.r.created);
	printf("  %" PRId64 " requests in %.2f s: %.1f requests/s, %.0f%% of the limit "
	    "(%.0f%% after the burst of %" PRId64 "); %" PRId64 " answered 429\n", calls, rj.secs,
	    rj.secs > 0 ? (double)calls / rj.secs : 0,
	    rj.secs > 0 ? 100.0 * (double)calls / rj.secs / (double)rate : 0,
	    rj.secs > 0 ? 100.0 * (double)(calls - rate / 2) / rj.secs / (double)rate : 0,
	    rate / 2, r429);
	/* The same with our bucket at twice the platform's limit (a wrong configuration):
	 * the 429s are retried with backoff (Retry-After honoured), not stormed. */
	if (shops_from_sim(sims, &rl, 1, rate * 2, RL2_SHOP) != 1)
		die("no second rate-limited shop");
	calls0 = counter(RL2_SHOP, "calls");
	r429_0 = counter(RL2_SHOP, "rate_limited");
	memset(&rj2, 0, sizeof rj2);
	rj2.db = db;
	rj2.shop = rl;
	run_one(&rj2);
	calls = counter(RL2_SHOP, "calls") - calls0;
	r429 = counter(RL2_SHOP, "rate_limited") - r429_0;
	printf("the bucket at %" PRId64 "/s against the limit of %" PRId64 "/s: %" PRId64
	    " orders, %" PRId64 " requests in %.2f s (%.1f/s), %" PRId64 " answered 429 (%.0f%%)"
	    "%s\n", rate * 2, rate, rj2.r.created, calls, rj2.secs,
	    rj2.secs > 0 ? (double)calls / rj2.secs : 0, r429,
	    calls > 0 ? 100.0 * (double)r429 / (double)calls : 0,
	    rj2.r.ok ? "" : "; the pass failed");
	db_close(db);
	json_decref(sims);
	transport_free(ctl);
	kill(sim_pid, SIGTERM);
	waitpid(sim_pid, &st, 0);
	return created == total && rj.r.created > 0 ? 0 : 1;
}
