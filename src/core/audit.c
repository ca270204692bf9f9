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

static void
rec_hash(const struct rec *r, char out[HASH_HEX])
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES];
	char num[2][24];

	snprintf(num[0], sizeof num[0], "%" PRId64, r->id);
	snprintf(num[1], sizeof num[1], "%" PRId64, r->at);
	crypto_hash_sha256_init(&h);
	feed(&h, r->prev);
	feed(&h, num[0]);
	feed(&h, num[1]);
	feed(&h, r->user);
	feed(&h, r->station);
	feed(&h, r->entity);
	feed(&h, r->entity_id);
	feed(&h, r->action);
	feed(&h, r->before);
	feed(&h, r->after);
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(out, HASH_HEX, md, sizeof md);
}

int
audit_log(struct session *s, const char *entity, int64_t entity_id,
    const char *action, const char *before, const char *after)
{
	struct db_stmt *st;
	char prev[HASH_HEX], hash[HASH_HEX], eid[24];
	struct rec r;
	int64_t last = 0;
	int rc;

	assert(db_in_tx(s->db));
	snprintf(prev, sizeof prev, "%s", zero_hash);
	if ((st = db_prep(s->db, "SELECT last_id, last_hash FROM audit_head WHERE id = 1")) == NULL)
		return session_fail(s, DB_ERR, "audit: %s", db_errmsg(s->db));
	if ((rc = db_step(st)) == DB_ROW) {
		last = db_col_int(st, 0);
		snprintf(prev, sizeof prev, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		return session_fail(s, rc, "audit: %s", db_errmsg(s->db));

	snprintf(eid, sizeof eid, "%" PRId64, entity_id);
	r = (struct rec){
		.id = last + 1, .at = clock_now(), .user = s->user, .station = s->station,
		.entity = entity, .entity_id = eid, .action = action,
		.before = before ? before : "", .after = after ? after : "", .prev = prev,
	};
	rec_hash(&r, hash);
	rc = db_run(s->db, "INSERT INTO audit(id, at, user_name, station, entity, entity_id, "
	    "action, before, after, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	    "iisssssssss", r.id, r.at, r.user, r.station, r.entity, r.entity_id, r.action,
	    r.before, r.after, r.prev, hash);
	if (rc == 0)
		rc = db_run(s->db, "INSERT INTO audit_head(id, last_id, last_hash) VALUES (1, ?, ?) "
		    "ON CONFLICT(id) DO UPDATE SET last_id = excluded.last_id, "
		    "last_hash = excluded.last_hash", "is", r.id, hash);
	if (rc != 0)
		return session_fail(s, rc, "audit: %s", db_errmsg(s->db));
	return 0;
}

int
audit_verify(struct db *db, int64_t *count, int64_t *bad_id, char *msg, size_t len)
{
	struct db_stmt *st;
	char prev[HASH_HEX], hash[HASH_HEX];
	int64_t expect = 1, head_id = 0, n = 0;
	char head_hash[HASH_HEX] = "";
	int rc, broken = 0;

	*bad_id = 0;
	*count = 0;
	if ((st = db_prep(db, "SELECT last_id, last_hash FROM audit_head WHERE id = 1")) == NULL)
		return DB_ERR;
	if ((rc = db_step(st)) == DB_ROW) {
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
			*bad_id = r.id;
			snprintf(msg, len, "audit record %" PRId64 " does not follow record %"
			    PRId64 " (inserted, or the one before was removed)", r.id, r.id - 1);
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
		snprintf(prev, sizeof prev, "%s", hash);
		expect++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!broken && (expect - 1 != head_id || (head_id > 0 && strcmp(prev, head_hash) != 0))) {
		*bad_id = expect - 1 < head_id ? expect : head_id + 1;
		if (expect - 1 < head_id)
			snprintf(msg, len, "audit records from %" PRId64 " to %" PRId64
			    " were deleted", expect, head_id);
		else if (expect - 1 == head_id)
			snprintf(msg, len, "audit record %" PRId64 " was replaced "
			    "(the chain head does not match it)", head_id);
		else
			snprintf(msg, len, "audit record %" PRId64 " was added outside packbench "
			    "(the chain ends at %" PRId64 ")", head_id + 1, head_id);
		broken = 1;
	}
	*count = n;
	return broken;
}
