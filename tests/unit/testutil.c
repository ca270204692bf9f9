/* testutil.c — fixtures shared by the CUnit suites. */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"
#include "market/ops.h"

/*
 * With PACKBENCH_TEST_DB=postgresql://... (tests/pg/cluster.sh) each test database is a
 * fresh schema of that database, named in the URL's search_path; db_open() creates it.
 */
static const char *
test_pg_url(void)
{
	const char *u = getenv("PACKBENCH_TEST_DB");

	if (u != NULL && (strncmp(u, "postgresql://", 13) == 0 ||
	    strncmp(u, "postgres://", 11) == 0))
		return u;
	return NULL;
}

#define TU_SCHEMA_KEY "search_path%3D"

struct db *
tu_db(char *path_out)
{
	static unsigned seq;
	char dir[] = "/tmp/pbtest-XXXXXX";
	char err[512];
	const char *pg = test_pg_url();
	struct db *db;

	if (pg != NULL) {
		snprintf(path_out, 256, "%s%soptions=-csearch_path%%3Dt_%ld_%u_%ld", pg,
		    strchr(pg, '?') != NULL ? "&" : "?", (long)getpid(), ++seq,
		    (long)time(NULL) % 100000);
	} else {
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
		snprintf(path_out, 256, "%s/t.db", dir);
	}
	clock_fix(TEST_EPOCH);
	if (db_open(&db, path_out, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return db;
}

void
tu_dir(const char *path, char *dir)
{
	static char pgdir[] = "/tmp/pbtest-XXXXXX";
	static int made;
	char *slash;

	if (strncmp(path, "postgres", 8) == 0) {
		if (!made && mkdtemp(pgdir) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
		made = 1;
		snprintf(dir, 256, "%s", pgdir);
		return;
	}
	snprintf(dir, 256, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
}

void
tu_sibling(char *out, size_t len, const char *path, const char *suffix)
{
	char dir[256];

	if (strncmp(path, "postgres", 8) == 0) {
		tu_dir(path, dir);
		snprintf(out, len, "%s/db%s", dir, suffix);
	} else {
		snprintf(out, len, "%s%s", path, suffix);
	}
}

void
tu_db_free(struct db *db, const char *path)
{
	char buf[300], *slash;
	const char *schema;

	if (strcmp(db_engine(db), "postgresql") == 0) {
		if ((schema = strstr(path, TU_SCHEMA_KEY)) != NULL) {
			snprintf(buf, sizeof buf, "DROP SCHEMA IF EXISTS %s CASCADE",
			    schema + strlen(TU_SCHEMA_KEY));
			db_exec(db, buf);
		}
		db_close(db);
		return;
	}
	db_close(db);
	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s", path);
	if ((slash = strrchr(buf, '/')) != NULL) {
		*slash = '\0';
		rmdir(buf);
	}
}

void
tu_session(struct session *s, struct db *db, enum role role)
{
	memset(s, 0, sizeof *s);
	s->db = db;
	s->role = role;
	s->user_id = 0;
	snprintf(s->user, sizeof s->user, "tester-%s", role_name(role));
	snprintf(s->station, sizeof s->station, "T1");
}

int64_t
tu_warehouse(struct session *s, const char *code)
{
	int64_t id = 0;

	db_run(s->db, "INSERT INTO warehouse(code, name, province) VALUES (?, ?, ?) "
	    "ON CONFLICT(code) DO NOTHING", "sss", code, code, "Hồ Chí Minh");
	db_int(s->db, &id, "SELECT id FROM warehouse WHERE code = ?", "s", code);
	return id;
}

int64_t
tu_sku(struct session *s, const char *code, int lot_tracked)
{
	int64_t id = 0;

	db_run(s->db, "INSERT INTO sku(sku, name, weight_g, lot_tracked, min_shelf_days) "
	    "VALUES (?, ?, 100, ?, 0) ON CONFLICT(sku) DO NOTHING", "ssi", code, code,
	    (int64_t)lot_tracked);
	db_int(s->db, &id, "SELECT id FROM sku WHERE sku = ?", "s", code);
	return id;
}

char *
tu_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, fp) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return buf;
}

int
tu_run(void)
{
	unsigned failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_error() != CUE_SUCCESS)
		failed++;
	CU_cleanup_registry();
	return failed != 0;
}

int
tu_packer(struct session *s, struct session *packer)
{
	if (user_add(s, "lan", ROLE_PACKER, "1111", "PB-1001") != 0 ||
	    user_login(s->db, packer, "lan", "1111", "ST1") != 0)
		return -1;
	return 0;
}

int
tu_pack(struct session *packer, int64_t wh, const char *no)
{
	struct pack_config c = { .warehouse_id = wh, .tol_g = 30, .tol_pct = 5 };
	struct pack_result r;
	struct pack p;
	char w[32];
	size_t i;
	int guard = 0, ok;

	snprintf(c.station, sizeof c.station, "ST1");
	pack_init(&p, packer, &c);
	pack_input(&p, no, &r);
	while (r.outcome == PACK_OK && p.step == PACK_SCAN_ITEMS && guard++ < 100) {
		for (i = 0; i < p.nlines && p.lines[i].scanned >= p.lines[i].expected; i++)
			;
		if (i == p.nlines)
			break;
		pack_input(&p, p.lines[i].sku, &r);
	}
	if (r.outcome == PACK_OK)
		pack_input(&p, "BOX M", &r);
	if (r.outcome == PACK_OK) {
		snprintf(w, sizeof w, "WEIGHT %" PRId64, pack_expected_g(&p, 0));
		pack_input(&p, w, &r);
	}
	if (r.outcome == PACK_OK)
		pack_input(&p, "CMD:CONFIRM", &r);
	ok = r.outcome == PACK_PACKED;
	if (!ok)
		fprintf(stderr, "pack %s: %s\n", no, r.message);
	pack_free(&p);
	return ok ? 0 : -1;
}

char *
tu_fixture(const char *dir, const char *name, size_t *len)
{
	char path[512];
	char *buf;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	buf = tu_slurp(path, len);
	if (buf == NULL)
		fprintf(stderr, "fixture %s missing\n", path);
	return buf;
}

int
tu_hmac_file(const char *key, const char *prefix, const char *path, char out[65])
{
	char cmd[1024], line[80] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd, "python3 -c 'import hmac,hashlib,sys; "
	    "print(hmac.new(b\"%s\", b\"%s\" + open(sys.argv[1], \"rb\").read(), "
	    "hashlib.sha256).hexdigest())' '%s'", key, prefix, path);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof line, p) == NULL)
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (strlen(line) != 64)
		return -1;
	memcpy(out, line, 65);   /* 64 hex digits and the NUL, checked above */
	return 0;
}

int
tu_pack_confirmed(struct session *packer, int64_t wh, int n, char (*packed)[48],
    int *npacked, int max)
{
	struct db_stmt *st;
	char nos[16][48];
	int k = 0, i, done = 0;

	/* Confirmed orders, allocated as they arrived (route.h) or not yet. */
	st = db_prep(packer->db, "SELECT order_no FROM orders WHERE status IN ('CONFIRMED', "
	    "'ALLOCATED') ORDER BY id LIMIT ?");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, n);
	while (k < 16 && db_step(st) == DB_ROW)
		snprintf(nos[k++], sizeof nos[0], "%s", db_col_text(st, 0));
	db_done(st);
	for (i = 0; i < k; i++) {
		if (tu_pack(packer, wh, nos[i]) == 0 && *npacked < max) {
			memcpy(packed[(*npacked)++], nos[i], sizeof packed[0]);
			done++;
		}
	}
	return done;
}

int64_t
tu_int(struct db *db, const char *sql, const char *text)
{
	int64_t n = -1;

	if (text != NULL) {
		CU_ASSERT_EQUAL(db_int(db, &n, sql, "s", text), 0);
	} else {
		CU_ASSERT_EQUAL(db_int(db, &n, sql, ""), 0);
	}
	return n;
}

const char *
tu_text(struct db *db, const char *sql, int64_t id)
{
	static char buf[160];
	struct db_stmt *st = db_prep(db, sql);

	buf[0] = '\0';
	if (st == NULL)
		return "?";
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(buf, sizeof buf, "%s", db_col_text(st, 0));
	db_done(st);
	return buf;
}

int64_t
tu_fee(const struct market_settlement *s, const char *type)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->fees[i].type, type) == 0)
			return s->fees[i].amount;
	}
	return INT64_MIN;
}

struct pack_config
tu_station(const char *name, int64_t wh)
{
	struct pack_config c = { .warehouse_id = wh, .tol_g = 30, .tol_pct = 5 };

	snprintf(c.station, sizeof c.station, "%s", name);
	return c;
}

int
tu_feed(struct pack *p, const char *text, enum pack_outcome want)
{
	struct pack_result r;

	pack_input(p, text, &r);
	if (r.outcome != want)
		fprintf(stderr, "\n'%s': %s %s (wanted %s)\n", text, pack_outcome_name(r.outcome),
		    r.message, pack_outcome_name(want));
	return r.outcome == want;
}

int
tu_midpack(struct tu_midpack *m, struct db *db, const char *tag, const char *barcode,
    const char *badge)
{
	char sku_code[32], order_no[32], wh_code[16], wh_name[32], user[16], station[16];
	struct sku_barcode_in bc = { barcode, 1 };
	struct sku_in sku = { .sku = sku_code, .name = sku_code, .barcodes = &bc,
	    .nbarcodes = 1, .weight_g = 200, .cost = 1000 };
	struct order_line_in line = { sku_code, 3, 100000 };
	struct order_in o = {
		.channel = "shopee", .shop = "s1", .order_no = order_no, .created_at = TEST_EPOCH,
		.ship_by = TEST_EPOCH + 7200, .status = ST_CONFIRMED, .currency = "VND",
		.total = 300000, .province = "Hồ Chí Minh", .lines = &line, .nlines = 1,
	};
	struct pack_result r;
	size_t i;

	memset(m, 0, sizeof *m);
	snprintf(sku_code, sizeof sku_code, "%s-TEE", tag);
	snprintf(order_no, sizeof order_no, "%s-1", tag);
	snprintf(wh_code, sizeof wh_code, "%sW", tag);
	snprintf(wh_name, sizeof wh_name, "Kho %s", tag);
	snprintf(station, sizeof station, "%s1", tag);
	for (i = 0; tag[i] != '\0' && i + 1 < sizeof user; i++)
		user[i] = (char)tolower((unsigned char)tag[i]);
	user[i] = '\0';
	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	session_system(&m->sys, db, tag);
	if (warehouse_upsert(&m->sys, wh_code, wh_name, "Hồ Chí Minh", &m->wh) != 0 ||
	    sku_upsert(&m->sys, &sku, &m->sku_id) != 0 ||
	    stock_receive(&m->sys, m->wh, m->sku_id, "", 0, 10, NULL) != 0 ||
	    user_add(&m->sys, user, ROLE_PACKER, "2222", badge) != 0 ||
	    user_login(db, &m->packer, user, "2222", station) != 0 ||
	    order_upsert(&m->sys, &o, &m->order_id, NULL) != 0) {
		fprintf(stderr, "midpack %s: %s\n", tag, m->sys.err[0] != '\0' ? m->sys.err :
		    m->packer.err[0] != '\0' ? m->packer.err : db_errmsg(db));
		return -1;
	}
	m->c = tu_station(station, m->wh);
	pack_init(&m->p, &m->packer, &m->c);
	pack_input(&m->p, order_no, &r);
	if (r.outcome == PACK_OK)
		pack_input(&m->p, barcode, &r);
	if (r.outcome != PACK_OK || r.remaining != 2) {
		fprintf(stderr, "midpack %s: %s\n", tag, r.message);
		pack_free(&m->p);
		return -1;
	}
	return 0;
}
