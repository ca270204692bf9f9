/* audit.c — hash-chained audit records and their verification. */
#include "audit.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "db.h"
#include "session.h"
#include "xalloc.h"

#define HASH_HEX (crypto_hash_sha256_BYTES * 2 + 1)

/* The genesis "previous hash". */
static const char zero_hash[HASH_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct rec {
	int64_t id, at;
	const char *user, *station, *entity, *entity_id, *action, *before, *after;
	const char *prev;
};

static void
feed(crypto_hash_sha256_state *h, const char *s)
{
	size_t n = strlen(s);
	unsigned char len[8];
	int i;

	/* Length-prefixed so that moving bytes between fields changes the hash. */
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_hash_sha256_update(h, len, sizeof len);
	crypto_hash_sha256_update(h, (const unsigned char *)s, n);
}

#define NFIELDS 10

/* v in decimal into buf (24 bytes), as "%" PRId64 writes it. */
static const char *
decimal(int64_t v, char buf[24])
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char *p = buf + 23;

	*p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

static void
rec_hash(const struct rec *r, char out[HASH_HEX])
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES], buf[2048];
	char num[2][24];
	const char *f[NFIELDS];
	size_t len[NFIELDS], total = 0, at = 0;
	int i, b;

	f[0] = r->prev;
	f[1] = decimal(r->id, num[0]);
	f[2] = decimal(r->at, num[1]);
	f[3] = r->user;
	f[4] = r->station;
	f[5] = r->entity;
	f[6] = r->entity_id;
	f[7] = r->action;
	f[8] = r->before;
	f[9] = r->after;
	for (i = 0; i < NFIELDS; i++) {
		len[i] = strlen(f[i]);
		total += 8 + len[i];
	}
	if (total > sizeof buf) {
		crypto_hash_sha256_init(&h);
		for (i = 0; i < NFIELDS; i++)
			feed(&h, f[i]);
		crypto_hash_sha256_final(&h, md);
	} else {
		/* The same bytes as feed() gives, hashed in one call: most records are short,
		 * and many small updates cost more than the hashing itself. */
		for (i = 0; i < NFIELDS; i++) {
			for (b = 0; b < 8; b++)
				buf[at++] = (unsigned char)(len[i] >> (8 * b));
			memcpy(buf + at, f[i], len[i]);
			at += len[i];
		}
		crypto_hash_sha256(md, buf, at);
	}
	sodium_bin2hex(out, HASH_HEX, md, sizeof md);
}

/* Newest record at or after id from (0: none), else the chain head. */
static int
chain_end(struct db *db, int64_t from, int64_t *last, char prev[HASH_HEX])
{
	struct db_stmt *st;
	int rc = DB_DONE;

	*last = 0;
	snprintf(prev, HASH_HEX, "%s", zero_hash);
	if (from > 0) {
		if ((st = db_prep(db, "SELECT id, hash FROM audit WHERE id >= ? "
		    "ORDER BY id DESC LIMIT 1")) == NULL)
			return DB_ERR;
		db_bind_int(st, 1, from);
		if ((rc = db_step(st)) == DB_ROW) {
			*last = db_col_int(st, 0);
			snprintf(prev, HASH_HEX, "%s", db_col_text(st, 1));
		}
		db_done(st);
		if (rc == DB_ROW)
			return 0;
		if (rc < 0)
			return rc;
	}
	if ((st = db_prep(db, "SELECT last_id, last_hash FROM audit_head WHERE id = 1")) == NULL)
		return DB_ERR;
	if ((rc = db_step(st)) == DB_ROW) {
		*last = db_col_int(st, 0);
		snprintf(prev, HASH_HEX, "%s", db_col_text(st, 1));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* Before the transaction commits: move the chain head to its newest record. */
static int
write_head(struct db *db)
{
	char hash[HASH_HEX];
	int64_t last;
	int rc;

	if ((rc = chain_end(db, *db_tx_mark(db), &last, hash)) != 0 || last == 0)
		return rc;
	return db_run(db, "INSERT INTO audit_head(id, last_id, last_hash) VALUES (1, ?, ?) "
	    "ON CONFLICT(id) DO UPDATE SET last_id = excluded.last_id, "
	    "last_hash = excluded.last_hash", "is", last, hash);
}

/*
 * The chain head row is read for the first record of a transaction and written once at
 * its commit; records in between chain onto this transaction's own newest record (a
 * savepoint rolled back takes its records with it, so that is re-read, not cached).
 */
/* The newest record this connection wrote, while its transaction lasts untouched. */
struct chain_cache {
	uint64_t tx, rollbacks;
	int64_t last;
	char hash[HASH_HEX];
	/* audit_defer(): records hashed and chained here, inserted by audit_flush(). */
	int defer;
	struct pending *pend;
	size_t npend, cappend;
	/* A row-locked transaction (db.h db_begin_rows()): its records wait unchained in the
	 * temporary table audit_late and are chained at commit under the chain lock, so
	 * stations overlap except for that append. */
	int64_t late_n;
	int late_made, late_sure;   /* made on this connection (when, below); committed */
	uint64_t late_tx, late_rb, late_rc; /* tx serial, rollbacks, reconnects when made */
};

/* A deferred record: its fields, owned (one allocation, f[0] its start). */
struct pending {
	int64_t id, at;
	char *f[9];                 /* user, station, entity, entity_id, action, before, after,
	                             * prev, hash */
};

/* p's fields, copies of v[0 .. 9) in one allocation. */
static void
pending_set(struct pending *p, const char *const v[9])
{
	size_t len[9], total = 0;
	char *at;
	int k;

	for (k = 0; k < 9; k++)
		total += (len[k] = strlen(v[k]) + 1);
	at = xmalloc(total);
	for (k = 0; k < 9; k++) {
		p->f[k] = memcpy(at, v[k], len[k]);
		at += len[k];
	}
}

static void
pending_clear(struct chain_cache *cc)
{
	size_t i;

	for (i = 0; i < cc->npend; i++)
		free(cc->pend[i].f[0]);
	free(cc->pend);
	cc->pend = NULL;
	cc->npend = cc->cappend = 0;
}

static const char sql_late[] = "CREATE TEMP TABLE IF NOT EXISTS audit_late (n BIGINT, "
    "at BIGINT, user_name TEXT, station TEXT, entity TEXT, entity_id TEXT, action TEXT, "
    "before TEXT, after TEXT)";

static int insert_pending(struct db *db, struct chain_cache *cc);

/* Make sure audit_late exists on this connection: made once, and again only when a
 * rollback may have taken it back or the connection was re-opened. */
static int
late_table(struct db *db, struct chain_cache *cc)
{
	int rc, made = cc->late_made && cc->late_rc == db_reconnects(db) &&
	    cc->late_rb == db_rollbacks(db);

	if (made && cc->late_tx != db_tx_serial(db))
		cc->late_sure = 1;      /* its transaction ended without a rollback */
	if (made || (cc->late_sure && cc->late_rc == db_reconnects(db)))
		return 0;
	if ((rc = db_exec(db, sql_late)) != 0)
		return rc;
	cc->late_made = 1;
	cc->late_sure = 0;
	cc->late_tx = db_tx_serial(db);
	cc->late_rb = db_rollbacks(db);
	cc->late_rc = db_reconnects(db);
	return 0;
}

/* At the commit of a row-locked transaction: chain its records onto the head, under the
 * chain lock (the last lock such a transaction takes), and move the head. */
static int
late_chain(struct db *db)
{
	struct chain_cache *cc = *db_slot(db, DB_SLOT_AUDIT);
	char prev[HASH_HEX], hash[HASH_HEX];
	const char *v[9];
	struct db_stmt *st;
	int64_t last;
	int rc, k;

	if ((rc = late_table(db, cc)) != 0 ||
	    (rc = db_lock(db, "audit", 0)) != 0 || (rc = chain_end(db, 0, &last, prev)) != 0)
		return rc;
	pending_clear(cc);
	if ((st = db_prep(db, "SELECT at, user_name, station, entity, entity_id, action, "
	    "before, after FROM audit_late ORDER BY n")) == NULL)
		return DB_ERR;
	while ((rc = db_step(st)) == DB_ROW) {
		struct pending *p;
		struct rec r;

		if (cc->npend == cc->cappend) {
			cc->cappend = cc->cappend ? cc->cappend * 2 : 16;
			cc->pend = xrealloc(cc->pend, cc->cappend * sizeof *cc->pend);
		}
		p = &cc->pend[cc->npend++];
		p->id = ++last;
		p->at = db_col_int(st, 0);
		for (k = 0; k < 7; k++)
			v[k] = db_col_text(st, k + 1);
		r = (struct rec){ .id = p->id, .at = p->at, .user = v[0], .station = v[1],
		    .entity = v[2], .entity_id = v[3], .action = v[4], .before = v[5],
		    .after = v[6], .prev = prev };
		rec_hash(&r, hash);
		v[7] = prev;
		v[8] = hash;
		pending_set(p, v);
		snprintf(prev, sizeof prev, "%s", hash);
	}
	db_done(st);
	if (rc < 0 || cc->npend == 0) {
		pending_clear(cc);
		return rc < 0 ? rc : 0;
	}
	if ((rc = insert_pending(db, cc)) != 0 ||
	    (rc = db_run(db, "DELETE FROM audit_late", "")) != 0)
		return rc;
	return db_run(db, "INSERT INTO audit_head(id, last_id, last_hash) VALUES (1, ?, ?) "
	    "ON CONFLICT(id) DO UPDATE SET last_id = excluded.last_id, "
	    "last_hash = excluded.last_hash", "is", last, prev);
}

/* audit_log() in a row-locked transaction: the record waits for late_chain(). */
static int
late_log(struct session *s, struct chain_cache *cc, const char *entity, int64_t entity_id,
    const char *action, const char *before, const char *after)
{
	char eid[24];
	int rc;

	if ((rc = late_table(s->db, cc)) != 0)
		return session_fail(s, rc, "audit: %s", db_errmsg(s->db));
	snprintf(eid, sizeof eid, "%" PRId64, entity_id);
	rc = db_run(s->db, "INSERT INTO audit_late(n, at, user_name, station, entity, "
	    "entity_id, action, before, after) VALUES (?,?,?,?,?,?,?,?,?)", "iisssssss",
	    ++cc->late_n, clock_now(), s->user, s->station, entity, eid, action,
	    before ? before : "", after ? after : "");
	if (rc != 0)
		return session_fail(s, rc, "audit: %s", db_errmsg(s->db));
	db_on_commit(s->db, late_chain);
	return 0;
}

int
audit_log(struct session *s, const char *entity, int64_t entity_id,
    const char *action, const char *before, const char *after)
{
	char prev[HASH_HEX], hash[HASH_HEX], eid[24];
	int64_t *mark = db_tx_mark(s->db), last;
	void **slot = db_slot(s->db, DB_SLOT_AUDIT);
	struct chain_cache *cc;
	struct rec r;
	int rc;

	assert(db_in_tx(s->db));
	if (*slot == NULL)
		*slot = xcalloc(1, sizeof *cc);
	cc = *slot;
	if (db_rowlocked(s->db))
		return late_log(s, cc, entity, entity_id, action, before, after);
	if (cc->defer && (cc->tx != db_tx_serial(s->db) || cc->rollbacks !=
	    db_rollbacks(s->db)) && cc->npend > 0)
		return session_fail(s, DB_ERR, "audit: records held for one insert were rolled "
		    "back");
	if (*mark != 0 && cc->tx == db_tx_serial(s->db) &&
	    cc->rollbacks == db_rollbacks(s->db)) {
		last = cc->last;
		memcpy(prev, cc->hash, sizeof prev);
	} else if ((rc = chain_end(s->db, *mark, &last, prev)) != 0) {
		return session_fail(s, rc, "audit: %s", db_errmsg(s->db));
	}
	if (*mark == 0)
		*mark = last + 1;

	r = (struct rec){
		.id = last + 1, .at = clock_now(), .user = s->user, .station = s->station,
		.entity = entity, .entity_id = decimal(entity_id, eid), .action = action,
		.before = before ? before : "", .after = after ? after : "", .prev = prev,
	};
	rec_hash(&r, hash);
	if (cc->defer) {
		struct pending *p;

		if (cc->npend == cc->cappend) {
			cc->cappend = cc->cappend ? cc->cappend * 2 : 256;
			cc->pend = xrealloc(cc->pend, cc->cappend * sizeof *cc->pend);
		}
		p = &cc->pend[cc->npend++];
		p->id = r.id;
		p->at = r.at;
		pending_set(p, (const char *const[9]){ r.user, r.station, r.entity,
		    r.entity_id, r.action, r.before, r.after, r.prev, hash });
	} else {
		rc = db_run(s->db, "INSERT INTO audit(id, at, user_name, station, entity, "
		    "entity_id, action, before, after, prev_hash, hash) VALUES "
		    "(?,?,?,?,?,?,?,?,?,?,?)", "iisssssssss", r.id, r.at, r.user, r.station,
		    r.entity, r.entity_id, r.action, r.before, r.after, r.prev, hash);
		if (rc != 0)
			return session_fail(s, rc, "audit: %s", db_errmsg(s->db));
	}
	cc->tx = db_tx_serial(s->db);
	cc->rollbacks = db_rollbacks(s->db);
	cc->last = r.id;
	memcpy(cc->hash, hash, sizeof cc->hash);
	db_on_commit(s->db, write_head);
	return 0;
}

void
audit_defer(struct session *s)
{
	void **slot = db_slot(s->db, DB_SLOT_AUDIT);

	assert(db_in_tx(s->db));
	if (*slot == NULL)
		*slot = xcalloc(1, sizeof (struct chain_cache));
	((struct chain_cache *)*slot)->defer = 1;
}

#define ROWS_PER_INSERT 32

int
audit_flush(struct session *s, int discard)
{
	struct chain_cache *cc = *db_slot(s->db, DB_SLOT_AUDIT);
	int rc;

	if (cc == NULL)
		return 0;
	cc->defer = 0;
	if (discard) {
		pending_clear(cc);
		return 0;
	}
	rc = insert_pending(s->db, cc);
	return rc != 0 ? session_fail(s, rc, "audit: %s", db_errmsg(s->db)) : 0;
}

/* Insert the records held in cc, many to a statement, and forget them. */
static int
insert_pending(struct db *db, struct chain_cache *cc)
{
	size_t i, k, j;
	int rc = 0, c;

	for (i = 0; i < cc->npend && rc == 0; i += k) {
		char sql[160 + ROWS_PER_INSERT * 26];
		struct db_stmt *st;
		size_t n;

		k = cc->npend - i < ROWS_PER_INSERT ? cc->npend - i : ROWS_PER_INSERT;
		n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO audit(id, at, user_name, "
		    "station, entity, entity_id, action, before, after, prev_hash, hash) VALUES ");
		for (j = 0; j < k; j++)
			n += (size_t)snprintf(sql + n, sizeof sql - n, "%s(?,?,?,?,?,?,?,?,?,?,?)",
			    j ? "," : "");
		if ((st = db_prep(db, sql)) == NULL) {
			rc = DB_ERR;
			break;
		}
		for (j = 0; j < k; j++) {
			const struct pending *p = &cc->pend[i + j];
			int b = (int)j * 11;

			db_bind_int(st, b + 1, p->id);
			db_bind_int(st, b + 2, p->at);
			for (c = 0; c < 9; c++)
				db_bind_text(st, b + 3 + c, p->f[c]);
		}
		rc = db_step(st);
		db_done(st);
		rc = rc < 0 ? rc : 0;
	}
	pending_clear(cc);
	return rc;
}

/* Whether r is intact once given back the id below its own and the chain before it. */
static int
moved_up(const struct rec *r, const char *prev, const char *stored)
{
	char hash[HASH_HEX];
	struct rec o = *r;

	o.id = r->id - 1;
	o.prev = prev;
	rec_hash(&o, hash);
	return strcmp(hash, stored) == 0;
}

int
audit_verify(struct db *db, int64_t *count, int64_t *bad_id, char *msg, size_t len)
{
	struct db_stmt *st;
	char prev[HASH_HEX], prev2[HASH_HEX] = "", hash[HASH_HEX];
	int64_t expect = 1, head_id = 0, n = 0;
	char head_hash[HASH_HEX] = "";
	int rc, broken = 0, have_head = 0;

	*bad_id = 0;
	*count = 0;
	if ((st = db_prep(db, "SELECT last_id, last_hash FROM audit_head WHERE id = 1")) == NULL)
		return DB_ERR;
	if ((rc = db_step(st)) == DB_ROW) {
		have_head = 1;
		head_id = db_col_int(st, 0);
		snprintf(head_hash, sizeof head_hash, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		return rc;

	snprintf(prev, sizeof prev, "%s", zero_hash);
	st = db_prep(db, "SELECT id, at, user_name, station, entity, entity_id, action, "
	    "before, after, prev_hash, hash FROM audit ORDER BY id");
	if (st == NULL)
		return DB_ERR;
	while ((rc = db_step(st)) == DB_ROW) {
		struct rec r = {
			.id = db_col_int(st, 0), .at = db_col_int(st, 1),
			.user = db_col_text(st, 2), .station = db_col_text(st, 3),
			.entity = db_col_text(st, 4), .entity_id = db_col_text(st, 5),
			.action = db_col_text(st, 6), .before = db_col_text(st, 7),
			.after = db_col_text(st, 8), .prev = prev,
		};

		n++;
		if (r.id != expect) {
			*bad_id = r.id < expect ? r.id : expect;
			snprintf(msg, len, "audit record %" PRId64 " is missing "
			    "(the chain jumps to %" PRId64 ")", expect, r.id);
			broken = 1;
			break;
		}
		if (strcmp(db_col_text(st, 9), prev) != 0) {
			if (prev2[0] != '\0' && strcmp(db_col_text(st, 9), prev2) == 0 &&
			    moved_up(&r, prev2, db_col_text(st, 10))) {
				/* An intact record pushed up one place: one was slipped in. */
				*bad_id = r.id - 1;
				snprintf(msg, len, "audit record %" PRId64 " was inserted (record %"
				    PRId64 " was record %" PRId64 ")", r.id - 1, r.id, r.id - 1);
			} else {
				*bad_id = r.id;
				snprintf(msg, len, "audit record %" PRId64 " does not follow record %"
				    PRId64 " (inserted, or the one before was removed)", r.id,
				    r.id - 1);
			}
			broken = 1;
			break;
		}
		rec_hash(&r, hash);
		if (strcmp(hash, db_col_text(st, 10)) != 0) {
			*bad_id = r.id;
			snprintf(msg, len, "audit record %" PRId64 " was altered "
			    "(its hash does not match its content)", r.id);
			broken = 1;
			break;
		}
		snprintf(prev2, sizeof prev2, "%s", prev);
		snprintf(prev, sizeof prev, "%s", hash);
		expect++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!broken && !have_head && n > 0) {
		*bad_id = expect;
		snprintf(msg, len, "audit record %" PRId64 " onwards may have been deleted: "
		    "the chain head (audit_head) is missing", expect);
		broken = 1;
	} else if (!broken && (expect - 1 != head_id ||
	    (head_id > 0 && strcmp(prev, head_hash) != 0))) {
		if (expect - 1 < head_id) {
			*bad_id = expect;
			if (expect == head_id)
				snprintf(msg, len, "audit record %" PRId64 " was deleted "
				    "(the chain head says the chain ends there)", expect);
			else
				snprintf(msg, len, "audit records %" PRId64 " to %" PRId64
				    " were deleted (the chain head says the chain ends at %"
				    PRId64 ")", expect, head_id, head_id);
		} else if (expect - 1 == head_id) {
			*bad_id = head_id;
			snprintf(msg, len, "audit record %" PRId64 " was replaced "
			    "(the chain head does not match it)", head_id);
		} else {
			*bad_id = head_id + 1;
			snprintf(msg, len, "audit record %" PRId64 " was added outside packbench "
			    "(the chain head ends at %" PRId64 ")", head_id + 1, head_id);
		}
		broken = 1;
	}
	*count = n;
	return broken;
}

void
audit_json_text(char *out, size_t len, const char *text)
{
	size_t o = 0;

	for (; *text != '\0' && o + 3 < len; text++) {
		unsigned char c = (unsigned char)*text;

		if (c == '"' || c == '\\')
			out[o++] = '\\';
		if (c >= 0x20)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}
