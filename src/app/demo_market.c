/*
 * demo_market.c — the demo's marketplace: packbench-marketsim started on a loopback port
 * as one Shopee shop of the demo seller, selling the demo's SKUs and making a new order
 * every few seconds, and a [shop] added to the station's configuration that points at
 * it, so the station's sync thread pulls the new orders in while the demo runs and ships
 * what is packed. The simulator is found next to this program (installed) or in the
 * build tree; without it the demo runs on its stored orders alone.
 */
#include "demo_market.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db.h"
#include "core/xalloc.h"

#define SIM_NAME "packbench-marketsim"
#define DEMO_SHOP_ID "285037461"            /* the demo's fashion shop (core/demo.c) */
#define DEMO_PARTNER_ID 1000001
#define DEMO_PARTNER_KEY "demo-partner-key"
#define DEMO_GEN_RATE "0.2"                 /* one new order every 5 s */

struct demo_market {
	pid_t pid;
	char skus[PATH_MAX];        /* the SKU list the simulator sells, removed at stop */
};

/* The simulator's path in buf: beside this program, or where the build tree puts it. */
static int
find_sim(char *buf, size_t len)
{
	static const char *const rel[] = { "/" SIM_NAME, "/../market/sim/" SIM_NAME };
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;
	size_t i;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		if ((size_t)snprintf(buf, len, "%s%s", self, rel[i]) >= len)
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* Write the database's SKU codes, one a line, to a new file named in m->skus. */
static int
write_skus(struct session *s, struct demo_market *m, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	struct db_stmt *st;
	FILE *f;
	int fd, n = 0;

	snprintf(m->skus, sizeof m->skus, "%s/packbench-demo-skus-XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(m->skus)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", m->skus, strerror(errno));
		if (fd >= 0)
			close(fd);
		m->skus[0] = '\0';
		return -1;
	}
	/* The SKUs with stock to sell, so the new orders can be packed. */
	st = db_prep(s->db, "SELECT sku FROM sku s WHERE EXISTS (SELECT 1 FROM stock_level l "
	    "WHERE l.sku_id = s.id AND l.on_hand - l.reserved > 0) ORDER BY id");
	while (st != NULL && db_step(st) == DB_ROW) {
		fprintf(f, "%s\n", db_col_text(st, 0));
		n++;
	}
	db_done(st);
	if (fclose(f) != 0 || st == NULL || n == 0) {
		snprintf(err, errlen, "no SKUs to sell");
		return -1;
	}
	return 0;
}

/* Append the demo shop at base to cfg's shops. */
static void
add_shop(struct config *cfg, const char *base)
{
	struct config_shop *sh;

	cfg->shops = xrealloc(cfg->shops, (cfg->nshops + 1) * sizeof *cfg->shops);
	sh = &cfg->shops[cfg->nshops++];
	memset(sh, 0, sizeof *sh);
	sh->name = xstrdup("demo-shopee");
	sh->channel = CONFIG_SHOPEE;
	sh->api_base = xstrdup(base);
	sh->auth_base = xstrdup(base);
	sh->partner_id = DEMO_PARTNER_ID;
	sh->partner_key = xstrdup(DEMO_PARTNER_KEY);
	sh->shop_id = strtoll(DEMO_SHOP_ID, NULL, 10);
	sh->access_token = xstrdup("demo-access-token");
	sh->refresh_token = xstrdup("demo-refresh-token");
	if (cfg->station.warehouse[0] != '\0')
		sh->warehouse = xstrdup(cfg->station.warehouse);
}

int
demo_market_start(struct session *s, struct config *cfg, struct demo_market **out,
    char *err, size_t errlen)
{
	char path[PATH_MAX], partner[32], line[32], base[64];
	struct demo_market *m;
	int fds[2], devnull;
	unsigned port;
	FILE *f;

	*out = NULL;
	if (find_sim(path, sizeof path) != 0) {
		snprintf(err, errlen, SIM_NAME " not found beside packbench");
		return -1;
	}
	m = xcalloc(1, sizeof *m);
	if (write_skus(s, m, err, errlen) != 0 || pipe(fds) != 0) {
		demo_market_stop(m);
		return -1;
	}
	snprintf(partner, sizeof partner, "%d", DEMO_PARTNER_ID);
	if ((m->pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		demo_market_stop(m);
		return -1;
	}
	if (m->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);   /* the demo gone, the simulator goes too */
		devnull = open("/dev/null", O_RDWR);
		dup2(fds[1], STDOUT_FILENO);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);  /* never onto the station's screen */
		}
		close(fds[0]);
		close(fds[1]);
		execl(path, SIM_NAME, "--listen", "127.0.0.1:0", "--skus", m->skus,
		    "--gen-rate", DEMO_GEN_RATE, "--shop", "shopee:" DEMO_SHOP_ID,
		    "--orders", "0", "--partner-id", partner, "--partner-key", DEMO_PARTNER_KEY,
		    "--access-token", "demo-access-token", "--refresh-token",
		    "demo-refresh-token", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (f == NULL || fgets(line, sizeof line, f) == NULL || sscanf(line, "%u", &port) != 1 ||
	    port == 0 || port > 65535) {
		snprintf(err, errlen, SIM_NAME " did not start");
		if (f != NULL)
			fclose(f);
		else
			close(fds[0]);
		demo_market_stop(m);
		return -1;
	}
	fclose(f);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
	add_shop(cfg, base);
	*out = m;
	return 0;
}

void
demo_market_stop(struct demo_market *m)
{
	int status;

	if (m == NULL)
		return;
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		while (waitpid(m->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (m->skus[0] != '\0')
		unlink(m->skus);
	free(m);
}
