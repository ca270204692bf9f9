/*
 * test_sync_daemons.c — `packbench sync --daemon` as real processes on one database
 * against packbench-marketsim (two Shopee shops generating orders all along):
 *
 *   two daemons   run side by side while orders arrive, are packed and the shops'
 *                 tokens expire mid-run: no shop is pulled by both at once (the
 *                 sync_pass rows of different holders never overlap), each shop's token
 *                 is refreshed exactly once (single-use refresh tokens), SIGTERM ends
 *                 both with status 0 and their leases released;
 *   kill/restart  one daemon SIGKILLed at a random moment and started again at once
 *                 (it takes over the dead holder's lease), ITER times (default 20;
 *                 `long` or a number as the fourth argument), orders packed meanwhile;
 *
 * and then, after a last `sync --once`: every simulator order is in the database exactly
 * once, every packed order was shipped by exactly one successful ship call (the
 * simulator's ship log) and no other order was, `packbench audit verify` passes and the
 * stock ledger never went below zero. argv: simulator, SKU list, packbench [ITER|long].
 */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <stdint.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/pack.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"
#include "simutil.h"
#include "testutil.h"

#define SHOP_A "2100001"
#define SHOP_B "2100002"
#define MAXPACKED 4096

static const char *sim_path, *skus_path, *pb_path;
static int iterations = 20;
static struct sim sim;
static struct db *db;
static char dbfile[256], cfgfile[300], logfile[300];
static struct session sys, packer;
static int64_t wh;
static char (*packed)[48];
static int npacked;

static void
msleep(int64_t ms)
{
	struct timespec t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

static int64_t
q(const char *sql)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(db_int(db, &v, sql, ""), 0);
	return v;
}

/* The config: both shops with the simulator's credentials, a 1 s interval. */
static int
write_config(void)
{
	json_t *shops = sim_ctl(&sim, "GET", "/_sim/shops", NULL), *sh;
	size_t i;
	FILE *f = fopen(cfgfile, "w");

	if (f == NULL || shops == NULL)
		return -1;
	chmod(cfgfile, 0600);
	json_array_foreach(json_object_get(shops, "shops"), i, sh) {
		fprintf(f, "[shop \"Shop %s\"]\nchannel = shopee\napi_base = http://127.0.0.1:%u\n"
		    "partner_id = %" JSON_INTEGER_FORMAT "\npartner_key = %s\nshop_id = %"
		    JSON_INTEGER_FORMAT "\naccess_token = %s\nrefresh_token = %s\n\n",
		    json_string_value(json_object_get(sh, "code")), sim.port,
		    json_integer_value(json_object_get(sh, "partner_id")),
		    json_string_value(json_object_get(sh, "partner_key")),
		    json_integer_value(json_object_get(sh, "shop_id")),
		    json_string_value(json_object_get(sh, "access_token")),
		    json_string_value(json_object_get(sh, "refresh_token")));
	}
	fprintf(f, "[sync]\ninterval_s = 1\nlease_s = 10\nrate_limit_per_s = 100\n");
	fclose(f);
	json_decref(shops);
	return 0;
}

static int
suite_init(void)
{
	static const char *args[] = { "--seed", "21", "--skus", NULL, "--shop",
	    "shopee:" SHOP_A, "--orders", "150", "--shop", "shopee:" SHOP_B, "--orders", "150",
	    NULL };

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	args[3] = skus_path;
	packed = calloc(MAXPACKED, sizeof *packed);
	if (packed == NULL || sim_start(&sim, sim_path, args) != 0)
		return -1;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	tu_sibling(cfgfile, sizeof cfgfile, dbfile, ".conf");
	tu_sibling(logfile, sizeof logfile, dbfile, ".log");
	session_system(&sys, db, "test");
	if (sim_stock_db(&sys, skus_path, 1000000, &wh) <= 0 ||
	    tu_packer(&sys, &packer) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	free(packed);
	unlink(cfgfile);
	unlink(logfile);
	return sim_stop_db(&sim, db, dbfile);
}

/* packbench --db --config ARGS..., stderr appended to the log; the pid. */
static pid_t
spawn(const char *const *args, int out_fd)
{
	const char *argv[16];
	pid_t pid;
	int n = 0, i;

	argv[n++] = pb_path;
	argv[n++] = "--db";
	argv[n++] = dbfile;
	argv[n++] = "--config";
	argv[n++] = cfgfile;
	for (i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		else if (fd >= 0)
			dup2(fd, 1);
		execv(pb_path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static pid_t
daemon_start(void)
{
	static const char *const args[] = { "sync", "--daemon", NULL };

	return spawn(args, -1);
}

/* Exit status of a finished process, -1 when killed by a signal. */
static int
reap(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid)
		return -2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
show_log(void)
{
	char cmd[400];

	snprintf(cmd, sizeof cmd, "tail -40 %s >&2", logfile);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}


/* Pack up to n CONFIRMED orders (the database may be busy: a failure is retried later). */
static int
pack_some(int n)
{
	int done = tu_pack_confirmed(&packer, wh, n, packed, &npacked, MAXPACKED);

	return done > 0 ? done : 0;
}

static void
gen_rate(int rate)
{
	char body[64];

	snprintf(body, sizeof body, "{\"rate\":%d}", rate);
	json_decref(sim_ctl(&sim, "POST", "/_sim/gen", body));
}

/* The daemons' log lines hold no secret: no partner key, no token, old or new. */
static void
assert_log_clean(void)
{
	json_t *shops = sim_ctl(&sim, "GET", "/_sim/shops", NULL), *sh;
	size_t len = 0, i;
	char *text = tu_slurp(logfile, &len);
	static const char *const keys[] = { "partner_key", "access_token", "refresh_token",
	    NULL };
	int k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strstr(text, "lease taken by") != NULL);
	CU_ASSERT_PTR_NULL(strstr(text, "sim-pk-"));
	CU_ASSERT_PTR_NULL(strstr(text, "sim-at-"));
	CU_ASSERT_PTR_NULL(strstr(text, "sim-rt-"));
	json_array_foreach(json_object_get(shops, "shops"), i, sh) {
		for (k = 0; keys[k] != NULL; k++) {
			const char *v = json_string_value(json_object_get(sh, keys[k]));

			CU_ASSERT(v == NULL || v[0] == '\0' || strstr(text, v) == NULL);
		}
	}
	free(text);
	json_decref(shops);
}

/* Two daemons side by side; tokens expire mid-run. */
static void
test_two_daemons(void)
{
	pid_t a, b;
	int64_t refresh = sim_counter(&sim, "refresh"), t0;
	int ra, rb, i;

	CU_ASSERT_EQUAL_FATAL(write_config(), 0);
	gen_rate(20);
	a = daemon_start();
	b = daemon_start();
	CU_ASSERT_FATAL(a > 0 && b > 0);
	for (i = 0; i < 30; i++) {
		msleep(100);
		pack_some(1);
		if (i == 12)
			json_decref(sim_ctl(&sim, "POST", "/_sim/expire-tokens", "{}"));
	}
	/* A `sync --once` meanwhile leaves both shops to their holders. */
	{
		static const char *const once[] = { "sync", "--once", NULL };
		char path[320], out[1024];
		FILE *f;
		size_t len;
		int fd;

		tu_sibling(path, sizeof path, dbfile, ".once");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(reap(spawn(once, fd)), 0);
		close(fd);
		f = fopen(path, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		len = fread(out, 1, sizeof out - 1, f);
		out[len] = '\0';
		fclose(f);
		unlink(path);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "Shop " SHOP_A ": held by "));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "Shop " SHOP_B ": held by "));
		CU_ASSERT_PTR_NULL(strstr(out, "pulled"));
	}
	msleep(1500);           /* a pass after the expiry on each shop */
	t0 = time(NULL);
	kill(a, SIGTERM);
	kill(b, SIGTERM);
	ra = reap(a);
	rb = reap(b);
	CU_ASSERT_EQUAL(ra, 0);
	CU_ASSERT_EQUAL(rb, 0);
	CU_ASSERT(time(NULL) - t0 <= 5);
	if (time(NULL) - t0 > 5)
		show_log();
	/* One refresh per shop, whoever held it: nobody used a spent refresh token. */
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), refresh + 2);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM shop_token WHERE refreshes = 1"), 2);
	/* No shop pulled by two holders at once. */
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_pass x JOIN sync_pass y ON "
	    "x.shop_id = y.shop_id AND x.holder <> y.holder AND x.started_ms < y.ended_ms AND "
	    "y.started_ms < x.ended_ms"), 0);
	CU_ASSERT(q("SELECT count(*) FROM sync_pass") >= 4);
	CU_ASSERT_EQUAL(q("SELECT count(DISTINCT shop_id) FROM sync_pass"), 2);
	/* Released on the way out. */
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_lease WHERE expires_at > 0"), 0);
	CU_ASSERT(q("SELECT count(*) FROM orders") > 300);
	if (ra != 0 || rb != 0)
		show_log();
	assert_log_clean();
}

/* SIGKILL at random moments, restart at once. */
static void
test_kill_restart(void)
{
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int64_t orders = q("SELECT count(*) FROM orders");
	int i, killed = 0;

	fprintf(stderr, "\nkill/restart: %d iterations, seed %u\n", iterations, seed);
	srand(seed);
	for (i = 0; i < iterations; i++) {
		pid_t d = daemon_start();
		int64_t until = 50 + rand() % 900, spent = 0;

		CU_ASSERT_FATAL(d > 0);
		while (spent < until) {
			int64_t step = until - spent < 100 ? until - spent : 100;

			msleep(step);
			spent += step;
			if (rand() % 3 == 0)
				pack_some(1);
		}
		kill(d, SIGKILL);
		if (reap(d) == -1)
			killed++;
	}
	CU_ASSERT_EQUAL(killed, iterations);
	/* The restarts took over the dead holders' leases and kept pulling. */
	CU_ASSERT(q("SELECT count(*) FROM orders") > orders);
}

/* Nothing lost, nothing twice. */
static void
test_final_state(void)
{
	static const char *const once[] = { "sync", "--once", NULL };
	static const char *const verify[] = { "audit", "verify", NULL };
	json_t *orders, *log, *o;
	size_t i;
	int64_t missing = 0, n_sim = 0, ok_ships = 0, stray = 0;
	int j;
	pid_t p;

	gen_rate(0);
	msleep(1100);                   /* pulls read update times before now */
	/* A ship call a killed daemon had claimed comes due again when its claim runs out
	 * (outbox.c, 120 s): move the clock of those rows instead of waiting. The drain
	 * then asks the platform first, so a call that went through is not made again. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET next_at = 0 WHERE done_at IS NULL AND "
	    "attempts > 0 AND next_at < ?", "i", (int64_t)INT64_MAX), 0);
	p = spawn(once, -1);
	CU_ASSERT_EQUAL(reap(p), 0);
	/* Every simulator order once. */
	orders = sim_ctl(&sim, "GET", "/_sim/orders", NULL);
	json_array_foreach(json_object_get(orders, "orders"), i, o) {
		int64_t n = -1;

		n_sim++;
		CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM orders o JOIN shop s ON "
		    "s.id = o.shop_id WHERE s.channel = 'shopee' AND s.shop_code = ? AND "
		    "o.order_no = ?", "ss", json_string_value(json_object_get(o, "shop")),
		    json_string_value(json_object_get(o, "order_sn"))), 0);
		if (n != 1)
			missing++;
	}
	json_decref(orders);
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM orders"), n_sim);
	CU_ASSERT(n_sim > 300);
	/* Every packed order shipped by exactly one successful call, no other order. */
	CU_ASSERT(npacked > 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE kind = 'ready_to_ship' AND "
	    "done_at IS NULL"), 0);
	log = sim_ctl(&sim, "GET", "/_sim/log?kind=ship", NULL);
	for (j = 0; j < npacked; j++) {
		int64_t n = 0;

		json_array_foreach(json_object_get(log, "log"), i, o) {
			if (json_is_true(json_object_get(o, "ok")) && strcmp(json_string_value(
			    json_object_get(o, "order_sn")), packed[j]) == 0)
				n++;
		}
		CU_ASSERT_EQUAL(n, 1);
	}
	json_array_foreach(json_object_get(log, "log"), i, o) {
		if (json_is_true(json_object_get(o, "ok")))
			ok_ships++;
	}
	json_decref(log);
	CU_ASSERT_EQUAL(ok_ships, npacked);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM orders WHERE status = 'PACKED' AND "
	    "(tracking_no IS NULL OR tracking_no = '')"), 0);
	(void)stray;
	/* The audit chain and the stock ledger. */
	p = spawn(verify, -1);
	CU_ASSERT_EQUAL(reap(p), 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM (SELECT sum(d_on_hand) OVER w AS oh, "
	    "sum(d_reserved) OVER w AS rs FROM stock_move WINDOW w AS (PARTITION BY "
	    "warehouse_id, sku_id, lot_id ORDER BY id)) WHERE oh < 0 OR rs < 0"), 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM stock_level WHERE on_hand < 0 OR reserved < 0"),
	    0);
	fprintf(stderr, "%" PRId64 " orders, %d packed and shipped once, %" PRId64
	    " pull passes\n", n_sim, npacked, q("SELECT count(*) FROM sync_pass"));
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 4, "test_sync_daemons SIMULATOR SKUS PACKBENCH [ITER|long]",
	    &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	pb_path = argv[3];
	if (argc > 4)
		iterations = strcmp(argv[4], "long") == 0 ? 120 : atoi(argv[4]);
	if (iterations < 1)
		iterations = 1;
	signal(SIGPIPE, SIG_IGN);
	su = CU_add_suite("sync daemons", suite_init, suite_clean);
	CU_add_test(su, "two daemons: no shop pulled twice", test_two_daemons);
	CU_add_test(su, "SIGKILL at random points, restart", test_kill_restart);
	CU_add_test(su, "every order once, every parcel shipped once", test_final_state);
	return tu_run();
}
