/* fuzzdb.c — the fuzz targets' shared demo database (fuzzdb.h). */
#include "fuzzdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/demo.h"

#define FUZZDB_EPOCH 1764547200     /* 2025-12-01 00:00 UTC, as the unit tests */

static struct db *db;
static char dir[64], path[96];

static void
fuzzdb_remove(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[128];
	size_t i;

	if (db != NULL)
		db_close(db);
	db = NULL;
	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		unlink(p);
	}
	rmdir(dir);
}

struct db *
fuzzdb(void)
{
	struct demo_opts o = { 40, 20, 7 };
	struct session s;
	char err[512];

	if (db != NULL)
		return db;
	snprintf(dir, sizeof dir, "/tmp/pbfuzz-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("fuzzdb: mkdtemp");
		abort();
	}
	snprintf(path, sizeof path, "%s/fuzz.db", dir);
	clock_fix(FUZZDB_EPOCH);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "fuzzdb: %s\n", err);
		abort();
	}
	atexit(fuzzdb_remove);
	session_system(&s, db, "FZ");
	if (demo_generate(&s, &o) != 0) {
		fprintf(stderr, "fuzzdb: demo: %s\n", s.err);
		abort();
	}
	return db;
}

const char *
fuzzdb_dir(void)
{
	fuzzdb();
	return dir;
}

void
fuzzdb_begin(void)
{
	clock_fix(FUZZDB_EPOCH);
	if (db_begin(fuzzdb()) != 0) {
		fprintf(stderr, "fuzzdb: begin: %s\n", db_errmsg(db));
		abort();
	}
}

void
fuzzdb_end(void)
{
	/* Every begin the input made was matched: ours is the one left, and then none. */
	if (!db_in_tx(db)) {
		fprintf(stderr, "fuzzdb: the input's transaction was ended under it\n");
		abort();
	}
	db_rollback(db);
	if (db_in_tx(db)) {
		fprintf(stderr, "fuzzdb: a transaction was left open\n");
		abort();
	}
}
