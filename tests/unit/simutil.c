/* simutil.c — packbench-marketsim for tests (simutil.h). */
#include "simutil.h"

#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sku.h"
#include "core/stock.h"
#include "market/request.h"
#include "market/transport.h"
#include "testutil.h"

int
sim_start(struct sim *sm, const char *path, const char *const *args)
{
	const char *argv[40];
	char port[16], err[256], base[64];
	int fds[2], n = 0, i;
	FILE *out;

	memset(sm, 0, sizeof *sm);
	argv[n++] = path;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (i = 0; args[i] != NULL && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	if ((sm->pid = fork()) < 0)
		return -1;
	if (sm->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);   /* a crashed test leaves no simulator */
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	if (out == NULL || fgets(port, sizeof port, out) == NULL ||
	    (sm->port = (unsigned short)atoi(port)) == 0) {
		if (out != NULL)
			fclose(out);
		sim_stop(sm);
		return -1;
	}
	fclose(out);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sm->port);
	if ((sm->tr = transport_new(base, NULL, NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "sim: %s\n", err);
		sim_stop(sm);
		return -1;
	}
	return 0;
}

int
sim_stop(struct sim *sm)
{
	int status = 0;

	transport_free(sm->tr);
	sm->tr = NULL;
	if (sm->pid <= 0)
		return 0;
	kill(sm->pid, SIGTERM);
	waitpid(sm->pid, &status, 0);
	sm->pid = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

json_t *
sim_ctl(struct sim *sm, const char *method, const char *path, const char *body)
{
	struct transport_resp resp = { 0 };
	struct market_error err;
	struct request r;
	json_t *root = NULL;

	request_init(&r, method, REQUEST_API, path);
	if (body != NULL) {
		char *copy = strdup(body);

		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		request_set_body(&r, copy);
		request_header(&r, "Content-Type", "application/json");
	}
	request_finish(&r);
	if (transport_send(sm->tr, &r, &resp, &err) == MC_OK && resp.http == 200)
		root = json_loadb(resp.body, resp.len, 0, NULL);
	transport_resp_free(&resp);
	request_free(&r);
	CU_ASSERT_PTR_NOT_NULL(root);
	return root;
}

json_t *
sim_order_of(struct sim *sm, const char *shop, const char *sn)
{
	char path[96];
	json_t *all, *o, *found = NULL;
	size_t i;

	snprintf(path, sizeof path, "/_sim/orders?shop=%s", shop);
	all = sim_ctl(sm, "GET", path, NULL);
	json_array_foreach(json_object_get(all, "orders"), i, o) {
		const char *v = json_string_value(json_object_get(o, "order_sn"));

		if (found == NULL && v != NULL && strcmp(v, sn) == 0)
			found = json_incref(o);
	}
	json_decref(all);
	return found;
}

int64_t
sim_counter(struct sim *sm, const char *name)
{
	json_t *c = sim_ctl(sm, "GET", "/_sim/counters", NULL);
	int64_t v = (int64_t)json_integer_value(json_object_get(c, name));

	json_decref(c);
	return v;
}

void
sim_fault(struct sim *sm, const char *kind, int count)
{
	char body[64];

	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"count\":%d}", kind, count);
	json_decref(sim_ctl(sm, "POST", "/_sim/fault", body));
}

int
sim_import_skus(struct session *s, const char *path, int64_t weight_g, int64_t wh,
    int64_t qty)
{
	FILE *f = fopen(path, "r");
	char line[128];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		struct sku_in in = { 0 };
		int64_t id;

		line[strcspn(line, "#\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		in.sku = line;
		in.name = line;
		in.weight_g = weight_g;
		in.cost = -1;
		if (sku_upsert(s, &in, &id) != 0 ||
		    (qty > 0 && stock_receive(s, wh, id, "", 0, qty, NULL) != 0)) {
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

int
sim_stock_db(struct session *s, const char *path, int64_t qty, int64_t *wh)
{
	if (warehouse_upsert(s, "HCM", "Kho HCM", "Hồ Chí Minh", wh) != 0)
		return -1;
	return sim_import_skus(s, path, 100, *wh, qty);
}

void
sim_no_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	(void)ms;
}

struct market_creds
sim_shopee_creds(const char *key, const char *token)
{
	struct market_creds c = { 0 };

	c.partner_id = 1000001;
	c.shop_id = 2000001;
	c.partner_key = key;
	c.access_token = token;
	return c;
}

int
sim_main(int argc, char **argv, int nargs, const char *usage, const char **sim_path,
    const char **skus_path)
{
	if (argc < nargs) {
		fprintf(stderr, "usage: %s\n", usage);
		return 2;
	}
	*sim_path = argv[1];
	*skus_path = argv[2];
	return CU_initialize_registry() != CUE_SUCCESS ? 1 : 0;
}

int
sim_stop_db(struct sim *sm, struct db *db, const char *dbfile)
{
	if (db != NULL)
		tu_db_free(db, dbfile);
	return sim_stop(sm);
}
