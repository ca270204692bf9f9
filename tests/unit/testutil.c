/* testutil.c — fixtures shared by the CUnit suites. */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

struct db *
tu_db(char *path_out)
{
	char dir[] = "/tmp/pbtest-XXXXXX";
	char err[512];
	struct db *db;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path_out, 256, "%s/t.db", dir);
	clock_fix(TEST_EPOCH);
	if (db_open(&db, path_out, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return db;
}

void
tu_db_free(struct db *db, const char *path)
{
	char buf[300], *slash;

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
