/*
 * order.c — orders and the order state machine.
 *
 * transitions[] below is the whole state machine: a move not in it is DB_ESTATE. Each
 * row also names the least role that may make the move and the stock side effect it
 * carries, so the rules live in one table rather than in the callers.
 */
#include "order.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "carrier.h"
#include "clock.h"
#include "db.h"
#include "merge.h"
#include "notify.h"
#include "route.h"
#include "rules.h"
#include "stock.h"
#include "xalloc.h"

static const char *const status_names[ST__COUNT] = {
	[ST_NEW] = "NEW",
	[ST_CONFIRMED] = "CONFIRMED",
	[ST_ON_HOLD] = "ON_HOLD",
	[ST_ALLOCATED] = "ALLOCATED",
	[ST_PACKING] = "PACKING",
	[ST_PACKED] = "PACKED",
	[ST_SHIPPED] = "SHIPPED",
	[ST_DELIVERED] = "DELIVERED",
	[ST_COMPLETED] = "COMPLETED",
	[ST_CANCELLED] = "CANCELLED",
	[ST_RETURNING] = "RETURNING",
	[ST_RETURNED] = "RETURNED",
	[ST_PART_RETURNED] = "PART_RETURNED",
};

enum effect {
	FX_NONE,
	FX_RESERVE,        /* reserve every line (allocation) */
	FX_RELEASE,        /* give reservations back */
	FX_SHIP,           /* reserved units leave the warehouse (packed: out of stock) */
	FX_UNSHIP,         /* a packed parcel is unpacked: units back on hand */
};

struct transition {
	enum order_status from, to;
	enum role role;
	enum effect fx;
};

static const struct transition transitions[] = {
	{ ST_NEW,       ST_CONFIRMED, ROLE_SUPERVISOR, FX_NONE },
	{ ST_NEW,       ST_ON_HOLD,   ROLE_SUPERVISOR, FX_NONE },
	{ ST_NEW,       ST_CANCELLED, ROLE_SUPERVISOR, FX_NONE },
	{ ST_CONFIRMED, ST_ALLOCATED, ROLE_SUPERVISOR, FX_RESERVE },
	{ ST_CONFIRMED, ST_ON_HOLD,   ROLE_SUPERVISOR, FX_NONE },
	{ ST_CONFIRMED, ST_CANCELLED, ROLE_SUPERVISOR, FX_NONE },
	{ ST_ON_HOLD,   ST_CONFIRMED, ROLE_SUPERVISOR, FX_NONE },
	{ ST_ON_HOLD,   ST_CANCELLED, ROLE_SUPERVISOR, FX_NONE },
	{ ST_ALLOCATED, ST_PACKING,   ROLE_PACKER,     FX_NONE },
	{ ST_ALLOCATED, ST_ON_HOLD,   ROLE_SUPERVISOR, FX_RELEASE },
	{ ST_ALLOCATED, ST_CANCELLED, ROLE_SUPERVISOR, FX_RELEASE },
	{ ST_PACKING,   ST_PACKED,    ROLE_PACKER,     FX_SHIP },
	{ ST_PACKING,   ST_ALLOCATED, ROLE_PACKER,     FX_NONE },
	{ ST_PACKING,   ST_ON_HOLD,   ROLE_PACKER,     FX_RELEASE },  /* report a problem */
	{ ST_PACKING,   ST_CANCELLED, ROLE_SUPERVISOR, FX_RELEASE },
	{ ST_PACKED,    ST_SHIPPED,   ROLE_PACKER,     FX_NONE },
	{ ST_PACKED,    ST_CANCELLED, ROLE_SUPERVISOR, FX_UNSHIP },
	{ ST_SHIPPED,   ST_DELIVERED, ROLE_SYSTEM,     FX_NONE },
	{ ST_SHIPPED,   ST_RETURNING, ROLE_SYSTEM,     FX_NONE },
	{ ST_DELIVERED, ST_COMPLETED, ROLE_SYSTEM,     FX_NONE },
	{ ST_DELIVERED, ST_RETURNING, ROLE_SYSTEM,     FX_NONE },
	{ ST_COMPLETED, ST_RETURNING, ROLE_SYSTEM,     FX_NONE },
	/* A returned parcel received at the station (returns.c moves the stock): the
	 * receiving clerk, a packer, may do it. */
	{ ST_RETURNING, ST_RETURNED,  ROLE_PACKER,     FX_NONE },
	{ ST_RETURNING, ST_PART_RETURNED, ROLE_PACKER, FX_NONE },
	{ ST_SHIPPED,   ST_RETURNED,  ROLE_PACKER,     FX_NONE },
	{ ST_SHIPPED,   ST_PART_RETURNED, ROLE_PACKER, FX_NONE },
	{ ST_DELIVERED, ST_RETURNED,  ROLE_PACKER,     FX_NONE },
	{ ST_DELIVERED, ST_PART_RETURNED, ROLE_PACKER, FX_NONE },
	{ ST_COMPLETED, ST_RETURNED,  ROLE_PACKER,     FX_NONE },
	{ ST_COMPLETED, ST_PART_RETURNED, ROLE_PACKER, FX_NONE },
	{ ST_PART_RETURNED, ST_RETURNED, ROLE_PACKER,   FX_NONE },
};

#define NTRANSITIONS (sizeof transitions / sizeof transitions[0])

const char *
order_status_name(enum order_status st)
{
	if ((unsigned)st < ST__COUNT)
		return status_names[st];
	return "?";
}

int
order_status_parse(const char *name, enum order_status *out)
{
	int i;

	for (i = 0; i < ST__COUNT; i++) {
		if (strcasecmp(name, status_names[i]) == 0) {
			*out = (enum order_status)i;
			return 0;
		}
	}
	return -1;
}

static const struct transition *
find_transition(enum order_status from, enum order_status to)
{
	size_t i;

	for (i = 0; i < NTRANSITIONS; i++) {
		if (transitions[i].from == from && transitions[i].to == to)
			return &transitions[i];
	}
	return NULL;
}

int
order_transition_legal(enum order_status from, enum order_status to)
{
	return find_transition(from, to) != NULL;
}

enum role
order_transition_role(enum order_status from, enum order_status to)
{
	const struct transition *t = find_transition(from, to);

	return t != NULL ? t->role : ROLE_SYSTEM;
}

/* What the state machine needs of an order, read inside the transaction. */
struct head {
	int64_t id, shop_id, version, warehouse_id;
	enum order_status status;
	char order_no[64];
};

static int
load_head(struct session *s, int64_t id, struct head *h)
{
	struct db_stmt *st;
	int rc;

	/* In a row-locked transaction (db.h) the order is locked before it is read. */
	if ((rc = db_lock(s->db, "orders", id)) != 0)
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	st = db_prep(s->db, "SELECT id, shop_id, version, coalesce(warehouse_id, 0), status, "
	    "order_no FROM orders WHERE id = ?");
	if (st == NULL)
		return session_fail(s, DB_ERR, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		h->id = db_col_int(st, 0);
		h->shop_id = db_col_int(st, 1);
		h->version = db_col_int(st, 2);
		h->warehouse_id = db_col_int(st, 3);
		if (order_status_parse(db_col_text(st, 4), &h->status) != 0)
			rc = DB_ERR;
		snprintf(h->order_no, sizeof h->order_no, "%s", db_col_text(st, 5));
	}
	db_done(st);
	if (rc == DB_DONE)
		return session_fail(s, DB_ENOTFOUND, "order %" PRId64 " does not exist", id);
	if (rc != DB_ROW)
		return session_fail(s, rc < 0 ? rc : DB_ERR, "order %" PRId64 ": %s", id,
		    db_errmsg(s->db));
	return 0;
}

/* Append text to out as a JSON string (quotes, backslashes, controls escaped). */
static void
json_str(char *out, size_t len, const char *text)
{
	size_t n = strlen(out);

	if (n + 1 < len)
		out[n++] = '"';
	for (; *text != '\0' && n + 8 < len; text++) {
		unsigned char c = (unsigned char)*text;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20)
			n += (size_t)snprintf(out + n, len - n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	if (n + 1 < len)
		out[n++] = '"';
	out[n] = '\0';
}

/*
 * A person's cancel of a marketplace order is owed to the marketplace: an outbox row
 * "cancel" {order_no, reason} in the cancel's own transaction (market/outbox.c drains
 * it). Ship calls of the order not tried yet are void: the parcel will not leave. A
 * cancel that came from the marketplace (order_upsert) owes nothing.
 */
static int
owe_cancel(struct session *s, const struct head *h, const char *reason)
{
	char no[400] = "", why[400] = "", payload[840];
	int64_t market = 0;
	int rc;

	rc = db_int(s->db, &market, "SELECT count(*) FROM shop WHERE id = ? AND "
	    "channel <> 'manual'", "i", h->shop_id);
	if (rc != 0 || market == 0)
		goto out;
	json_str(no, sizeof no, h->order_no);
	json_str(why, sizeof why, reason != NULL ? reason : "");
	snprintf(payload, sizeof payload, "{\"order_no\":%s,\"reason\":%s}", no, why);
	rc = db_run(s->db, "INSERT INTO outbox(shop_id, order_id, kind, payload, created_at) "
	    "VALUES (?, ?, 'cancel', ?, ?)", "iisi", h->shop_id, h->id, payload, clock_now());
	if (rc == 0)
		rc = db_run(s->db, "UPDATE outbox SET done_at = ?, last_error = 'void: the order "
		    "was cancelled before this call was tried' WHERE order_id = ? AND "
		    "kind = 'ready_to_ship' AND done_at IS NULL AND attempts = 0", "ii",
		    clock_now(), h->id);
out:
	if (rc != 0)
		return session_fail(s, rc, "order %s: outbox: %s", h->order_no,
		    db_errmsg(s->db));
	return 0;
}

/*
 * A delivered or completed order is due its settlement (fees, escrow) from the
 * marketplace: market/finance.c fetches the rows made here, without scanning orders.
 */
static int
settlement_due(struct session *s, int64_t order_id, int64_t shop_id, enum order_status st)
{
	int rc;

	if (st != ST_DELIVERED && st != ST_COMPLETED)
		return 0;
	rc = db_run(s->db, "INSERT INTO settlement(order_id, shop_id) VALUES (?, ?) "
	    "ON CONFLICT(order_id) DO NOTHING", "ii", order_id, shop_id);
	return rc != 0 ? session_fail(s, rc, "order %" PRId64 ": settlement: %s", order_id,
	    db_errmsg(s->db)) : 0;
}

/* Reserve every line where routing says (route.h: the nearest warehouse that fills it,
 * a split where the channel allows), then choose the carrier (carrier.h). */
static int
reserve_all(struct session *s, struct head *h, int64_t only_wh)
{
	struct route_result res;
	int rc;

	if ((rc = route_allocate(s, h->id, only_wh, &res)) != 0)
		return rc;
	h->warehouse_id = res.warehouse_id;
	return carrier_assign(s, h->id, carrier_tz(), NULL, 0);
}

int
order_transition_logged(struct session *s, int64_t id, enum order_status from,
    int64_t version, enum order_status to, const char *reason)
{
	char before[96], after[160], why[112] = "";
	int rc;

	snprintf(before, sizeof before, "{\"status\":\"%s\",\"version\":%" PRId64 "}",
	    order_status_name(from), version);
	if (reason != NULL) {
		snprintf(why, sizeof why, ",\"reason\":");
		json_str(why, sizeof why, reason);
	}
	snprintf(after, sizeof after, "{\"status\":\"%s\",\"version\":%" PRId64 "%s}",
	    order_status_name(to), version + 1, why);
	if ((rc = audit_log(s, "order", id, "transition", before, after)) != 0)
		return rc;
	/* Every station showing the order hears of it once this commits (notify.h). */
	if ((rc = notify_order(s->db, id, order_status_name(to))) != 0)
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	return 0;
}

/*
 * The one place an order's status changes. check_role: 0 when the caller has already
 * authorised the change as a whole (an import or marketplace update).
 */
static int
apply_transition_at(struct session *s, struct head *h, int64_t expect_version,
    enum order_status to, const char *reason, int check_role, int64_t only_wh)
{
	const struct transition *t;
	int rc;

	if (expect_version != 0 && expect_version != h->version)
		return session_fail(s, DB_ECONFLICT, "order %s was changed by someone else "
		    "(version %" PRId64 ", you had %" PRId64 "); reload it", h->order_no,
		    h->version, expect_version);
	t = find_transition(h->status, to);
	if (t == NULL)
		return session_fail(s, DB_ESTATE, "order %s: cannot go from %s to %s",
		    h->order_no, order_status_name(h->status), order_status_name(to));
	if (check_role) {
		char what[96];

		snprintf(what, sizeof what, "order %s %s -> %s", h->order_no,
		    order_status_name(h->status), order_status_name(to));
		if ((rc = session_require(s, t->role, what)) != 0)
			return rc;
	}

	if (h->status == ST_PACKING && to == ST_ON_HOLD) {
		int64_t packed = 0;

		/* A split order with a part packed already (pack.h): a hold would release and
		 * later re-plan units that are in a parcel. Cancel it, or let it finish. */
		if ((rc = db_int(s->db, &packed, "SELECT count(*) FROM route_part WHERE "
		    "order_id = ? AND packed_at IS NOT NULL", "i", h->id)) != 0)
			return session_fail(s, rc, "order %s: %s", h->order_no, db_errmsg(s->db));
		if (packed > 0)
			return session_fail(s, DB_ESTATE, "order %s: %" PRId64 " of its parts "
			    "%s packed already, so it cannot go on hold; cancel it or let the "
			    "other part be packed", h->order_no, packed, packed == 1 ? "is" : "are");
	}
	switch (t->fx) {
	case FX_RESERVE:
		rc = reserve_all(s, h, only_wh);
		break;
	case FX_RELEASE:
		rc = stock_unreserve_order(s, h->id);
		/* A split order cancelled with a part packed already (pack.h): that part's
		 * units go back on hand too. */
		if (rc == 0 && h->status == ST_PACKING && to == ST_CANCELLED)
			rc = stock_unship_order(s, h->id);
		break;
	case FX_SHIP:
		rc = stock_ship_order(s, h->id);
		break;
	case FX_UNSHIP:
		rc = stock_unship_order(s, h->id);
		break;
	default:
		rc = 0;
	}
	if (rc != 0)
		return rc;

	rc = db_run(s->db, "UPDATE orders SET status = ?, version = version + 1, "
	    "updated_at = ? WHERE id = ? AND version = ?", "siii", order_status_name(to),
	    clock_now(), h->id, h->version);
	if (rc != 0)
		return session_fail(s, rc, "order %s: %s", h->order_no, db_errmsg(s->db));
	if (db_changes(s->db) != 1)
		return session_fail(s, DB_ECONFLICT, "order %s was changed by someone else; "
		    "reload it", h->order_no);
	if ((rc = order_transition_logged(s, h->id, h->status, h->version, to, reason)) != 0)
		return rc;
	/* check_role is set for a person's act, clear for the marketplace's own update. */
	if (to == ST_CANCELLED && check_role && (rc = owe_cancel(s, h, reason)) != 0)
		return rc;
	/* A cancelled order leaves any merged parcel, so it is never shipped in one. */
	if (to == ST_CANCELLED && (rc = merge_leave(s, h->id, "cancelled")) != 0)
		return rc;
	if ((rc = settlement_due(s, h->id, h->shop_id, to)) != 0)
		return rc;
	if ((rc = carrier_track(s, h->id, to)) != 0)
		return rc;
	h->status = to;
	h->version++;
	return 0;
}

static int
apply_transition(struct session *s, struct head *h, int64_t expect_version,
    enum order_status to, const char *reason, int check_role)
{
	return apply_transition_at(s, h, expect_version, to, reason, check_role, 0);
}

/*
 * With allocation at confirmation on (route_auto()), a CONFIRMED order is routed in the
 * caller's transaction: allocated, or held with what is missing (order_route).
 */
static int
route_confirmed(struct session *s, int64_t id)
{
	struct head h;
	int rc;

	if (!route_auto())
		return 0;
	if ((rc = load_head(s, id, &h)) != 0)
		return rc;
	if (h.status != ST_CONFIRMED)
		return 0;
	rc = order_route(s, id);
	return rc == DB_ESTOCK ? 0 : rc;
}

int
order_transition(struct session *s, int64_t id, int64_t expect_version,
    enum order_status to, const char *reason)
{
	struct head h;
	int rc, outer = !db_in_tx(s->db);

	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	if ((rc = load_head(s, id, &h)) != 0 ||
	    (rc = apply_transition(s, &h, expect_version, to, reason, 1)) != 0 ||
	    /* A person's confirmation allocates at once; a rule's (inside order_upsert)
	     * once every rule has spoken. */
	    (to == ST_CONFIRMED && outer && (rc = route_confirmed(s, id)) != 0)) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	return 0;
}

/* The claim itself, inside the caller's transaction. */
static int
start_packing(struct session *s, int64_t id, const char *station, int64_t wh)
{
	char holder[64] = "";
	struct head h;
	int rc;

	if ((rc = load_head(s, id, &h)) != 0)
		return rc;
	if (h.status == ST_PACKING) {
		struct db_stmt *st = db_prep(s->db, "SELECT coalesce(packing_station, '') "
		    "FROM orders WHERE id = ?");

		if (st == NULL)
			return session_fail(s, DB_ERR, "%s", db_errmsg(s->db));
		db_bind_int(st, 1, id);
		if (db_step(st) == DB_ROW)
			snprintf(holder, sizeof holder, "%s", db_col_text(st, 0));
		db_done(st);
		if (holder[0] != '\0' && strcmp(holder, station) != 0)
			return session_fail(s, DB_ECONFLICT, "order %s is being packed at station "
			    "%s", h.order_no, holder);
		return session_require(s, ROLE_PACKER, "pack an order");
	}
	if (h.status == ST_CONFIRMED) {
		/* The supervisor confirmed it; starting to pack allocates it here. */
		if ((rc = session_require(s, ROLE_PACKER, "pack an order")) != 0 ||
		    (rc = apply_transition_at(s, &h, 0, ST_ALLOCATED, "packing", 0, wh)) != 0)
			return rc;
	} else if (h.status != ST_ALLOCATED) {
		static const char *const why[ST__COUNT] = {
			[ST_NEW] = "is not confirmed yet",
			[ST_ON_HOLD] = "is on hold",
			[ST_PACKED] = "is already packed",
			[ST_SHIPPED] = "has already shipped",
			[ST_DELIVERED] = "was delivered",
			[ST_COMPLETED] = "is completed",
			[ST_CANCELLED] = "is cancelled",
			[ST_RETURNING] = "is being returned",
			[ST_RETURNED] = "was returned",
			[ST_PART_RETURNED] = "was partly returned",
		};

		return session_fail(s, DB_ESTATE, "order %s %s (%s): do not pack it", h.order_no,
		    why[h.status] ? why[h.status] : "cannot be packed",
		    order_status_name(h.status));
	} else if (wh != 0 && h.warehouse_id != wh) {
		return session_fail(s, DB_EINVAL, "order %s is allocated to another warehouse",
		    h.order_no);
	}
	if ((rc = apply_transition(s, &h, 0, ST_PACKING, station, 1)) != 0)
		return rc;
	rc = db_run(s->db, "UPDATE orders SET packing_station = ? WHERE id = ?", "si", station,
	    id);
	return rc != 0 ? session_fail(s, rc, "%s", db_errmsg(s->db)) : 0;
}

int
order_start_packing(struct session *s, int64_t id, const char *station, int64_t wh)
{
	int rc, tries = 0;

again:
	if ((rc = db_begin_rows(s->db)) != 0)
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	if ((rc = start_packing(s, id, station, wh)) != 0) {
		db_rollback(s->db);
		if (db_retry(s->db, rc, &tries))
			goto again;
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0) {
		if (db_retry(s->db, rc, &tries))
			goto again;
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	}
	return 0;
}

int
order_allocate(struct session *s, int64_t id, int64_t expect_version)
{
	return order_transition(s, id, expect_version, ST_ALLOCATED, NULL);
}

int
order_route(struct session *s, int64_t id)
{
	struct route_batch_stats bs;
	char why[sizeof s->err];
	const char *oos;
	int rc;

	/* A batch of one (route.h); an order that is not CONFIRMED gets the state
	 * machine's own answer below. */
	if ((rc = route_batch(s, &id, 1, 0, &bs)) != 0 || bs.allocated == 1)
		return rc;
	if (bs.held == 1) {
		oos = strstr(bs.why, "out of stock");
		snprintf(s->err, sizeof s->err, "%.*s", (int)sizeof s->err - 1,
		    oos != NULL ? oos : bs.why);
		return DB_ESTOCK;
	}
	rc = order_transition(s, id, 0, ST_ALLOCATED, NULL);
	if (rc != DB_ESTOCK)
		return rc;
	/* "order N: out of stock: SKU 3 missing, ..." (route.c) becomes the hold reason. */
	snprintf(why, sizeof why, "%s", strstr(s->err, "out of stock") != NULL ?
	    strstr(s->err, "out of stock") : s->err);
	if ((rc = order_transition(s, id, 0, ST_ON_HOLD, why)) != 0)
		return rc;
	snprintf(s->err, sizeof s->err, "%s", why);
	return DB_ESTOCK;
}

/* Shops seen on this connection; shops are never deleted, so an id stays good unless
 * the transaction that created it rolled back (then the whole cache is dropped). */
#define SHOP_CACHE 32

struct shop_cache {
	uint64_t rollbacks;
	int n, next;
	struct {
		char channel[16];
		char shop[64];
		int64_t id;
	} e[SHOP_CACHE];
};

static int
shop_id_for(struct session *s, const char *channel, const char *shop, int64_t *id)
{
	void **slot = db_slot(s->db, DB_SLOT_ORDER);
	struct shop_cache *c;
	int i, rc;

	if (*slot == NULL)
		*slot = xcalloc(1, sizeof *c);
	c = *slot;
	if (c->rollbacks != db_rollbacks(s->db)) {
		c->n = c->next = 0;
		c->rollbacks = db_rollbacks(s->db);
	}
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].shop, shop) == 0 && strcmp(c->e[i].channel, channel) == 0) {
			*id = c->e[i].id;
			return 0;
		}
	}
	rc = db_int(s->db, id, "SELECT id FROM shop WHERE channel = ? AND shop_code = ?", "ss",
	    channel, shop);
	if (rc == DB_ENOTFOUND) {
		rc = db_run(s->db, "INSERT INTO shop(channel, shop_code, name) VALUES (?, ?, ?)",
		    "sss", channel, shop, shop);
		if (rc == DB_ECONSTRAINT)
			return session_fail(s, DB_EINVAL, "channel '%s' is not one of shopee, "
			    "lazada, tiktok, manual", channel);
		if (rc == 0)
			*id = db_last_id(s->db);
	}
	if (rc != 0)
		return rc;
	if (strlen(channel) < sizeof c->e[0].channel && strlen(shop) < sizeof c->e[0].shop) {
		i = c->n < SHOP_CACHE ? c->n++ : c->next++ % SHOP_CACHE;
		snprintf(c->e[i].channel, sizeof c->e[i].channel, "%s", channel);
		snprintf(c->e[i].shop, sizeof c->e[i].shop, "%s", shop);
		c->e[i].id = *id;
	}
	return 0;
}

static int
insert_lines(struct session *s, int64_t order_id, const struct order_in *in)
{
	struct db_stmt *st;
	int64_t sku_id;
	size_t i;
	int rc;

	for (i = 0; i < in->nlines; i++) {
		const struct order_line_in *l = &in->lines[i];

		if (l->qty <= 0)
			return session_fail(s, DB_EINVAL, "order %s line %zu: quantity %" PRId64
			    " must be positive", in->order_no, i + 1, l->qty);
		rc = db_int(s->db, &sku_id, "SELECT id FROM sku WHERE sku = ?", "s", l->sku);
		if (rc == DB_ENOTFOUND)
			return session_fail(s, DB_EINVAL, "order %s: unknown SKU '%s'",
			    in->order_no, l->sku);
		if (rc != 0)
			return session_fail(s, rc, "order %s: %s", in->order_no, db_errmsg(s->db));
		st = db_prep(s->db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, "
		    "unit_price) VALUES (?, ?, ?, ?, ?)");
		if (st == NULL)
			return session_fail(s, DB_ERR, "order %s: %s", in->order_no,
			    db_errmsg(s->db));
		db_bind_int(st, 1, order_id);
		db_bind_int(st, 2, (int64_t)i + 1);
		db_bind_int(st, 3, sku_id);
		db_bind_int(st, 4, l->qty);
		db_bind_int(st, 5, l->unit_price);
		rc = db_step(st);
		db_done(st);
		if (rc != DB_DONE)
			return session_fail(s, rc < 0 ? rc : DB_ERR, "order %s: %s", in->order_no,
			    db_errmsg(s->db));
	}
	return 0;
}

#define S(x) ((x) != NULL ? (x) : "")

/*
 * 1 when a marketplace status only lags our own progress: a channel says "ready to
 * ship" (CONFIRMED) for an order we have allocated, are packing or have packed, and
 * "packed" for one we have handed over. Not news: our status stands and the rest of the
 * update applies.
 */
static int
lags(enum order_status theirs, enum order_status ours)
{
	if (theirs == ST_CONFIRMED)
		return ours == ST_ALLOCATED || ours == ST_PACKING || ours == ST_PACKED;
	if (theirs == ST_PACKED)
		return ours == ST_SHIPPED;
	/* What came back is what the station received, whatever the channel says. */
	if (ours == ST_RETURNED || ours == ST_PART_RETURNED)
		return theirs == ST_SHIPPED || theirs == ST_DELIVERED ||
		    theirs == ST_COMPLETED || theirs == ST_RETURNING || theirs == ST_RETURNED;
	if (ours == ST_RETURNING)
		return theirs == ST_RETURNED;
	return 0;
}

/*
 * A channel's "returned" for an order that left us only announces the parcel: it is
 * RETURNING until the station receives it (returns.c), which makes it RETURNED.
 */
static enum order_status
announced(enum order_status theirs, enum order_status ours)
{
	if (theirs == ST_RETURNED && (ours == ST_SHIPPED || ours == ST_DELIVERED ||
	    ours == ST_COMPLETED))
		return ST_RETURNING;
	return theirs;
}

/* 1 when the stored order already says exactly what in says (a repeated pull). */
static int
unchanged(struct session *s, int64_t id, const struct order_in *in)
{
	struct db_stmt *st;
	size_t i = 0;
	int same = 0;

	st = db_prep(s->db, "SELECT status, created_at, coalesce(ship_by, 0), cod, currency, "
	    "total, buyer_name, buyer_phone, address, district, province FROM orders "
	    "WHERE id = ?");
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW) {
		enum order_status ours = ST_NEW;

		/* A repeated "confirmed" for an order allocated at confirmation is no news. */
		same = (strcmp(db_col_text(st, 0), order_status_name(in->status)) == 0 ||
		    (order_status_parse(db_col_text(st, 0), &ours) == 0 &&
		    lags(in->status, ours))) &&
		    db_col_int(st, 1) == in->created_at &&
		    db_col_int(st, 2) == (in->ship_by > 0 ? in->ship_by : 0) &&
		    db_col_int(st, 3) == in->cod && strcmp(db_col_text(st, 4), in->currency) == 0 &&
		    db_col_int(st, 5) == in->total &&
		    strcmp(db_col_text(st, 6), S(in->buyer_name)) == 0 &&
		    strcmp(db_col_text(st, 7), S(in->buyer_phone)) == 0 &&
		    strcmp(db_col_text(st, 8), S(in->address)) == 0 &&
		    strcmp(db_col_text(st, 9), S(in->district)) == 0 &&
		    strcmp(db_col_text(st, 10), S(in->province)) == 0;
	}
	db_done(st);
	if (!same)
		return 0;
	st = db_prep(s->db, "SELECT k.sku, l.qty, l.unit_price FROM order_line l "
	    "JOIN sku k ON k.id = l.sku_id WHERE l.order_id = ? ORDER BY l.line_no");
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, id);
	while (same && db_step(st) == DB_ROW) {
		const struct order_line_in *l = &in->lines[i];

		same = i < in->nlines && strcmp(db_col_text(st, 0), l->sku) == 0 &&
		    db_col_int(st, 1) == l->qty && db_col_int(st, 2) == l->unit_price;
		i++;
	}
	db_done(st);
	return same && i == in->nlines;
}

static int
validate_in(struct session *s, const struct order_in *in)
{
	size_t i;

	if (in->order_no == NULL || in->order_no[0] == '\0')
		return session_fail(s, DB_EINVAL, "order without an order number");
	if (strlen(in->order_no) >= 64)
		return session_fail(s, DB_EINVAL, "order number '%.20s...' is longer than 63 "
		    "characters", in->order_no);
	if (in->shop == NULL || in->shop[0] == '\0')
		return session_fail(s, DB_EINVAL, "order %s: no shop", in->order_no);
	if ((unsigned)in->status >= ST__COUNT)
		return session_fail(s, DB_EINVAL, "order %s: bad status", in->order_no);
	if (in->currency == NULL || strlen(in->currency) != 3)
		return session_fail(s, DB_EINVAL, "order %s: currency must be a 3-letter ISO "
		    "4217 code", in->order_no);
	for (i = 0; i < 3; i++) {
		if (!isupper((unsigned char)in->currency[i]))
			return session_fail(s, DB_EINVAL, "order %s: currency '%s' must be "
			    "3 capital letters", in->order_no, in->currency);
	}
	if (in->cod < 0)
		return session_fail(s, DB_EINVAL, "order %s: COD amount is negative",
		    in->order_no);
	if (in->nlines == 0)
		return session_fail(s, DB_EINVAL, "order %s has no lines", in->order_no);
	return 0;
}

static int
upsert_locked(struct session *s, const struct order_in *in, int64_t *idp, int *createdp,
    int route)
{
	struct db_stmt *st;
	struct head h;
	int64_t shop_id, id = 0;
	int rc, found;
	char after[160];

	if ((rc = validate_in(s, in)) != 0)
		return rc;
	if ((rc = shop_id_for(s, in->channel, in->shop, &shop_id)) != 0)
		return s->err[0] ? rc : session_fail(s, rc, "order %s: %s", in->order_no,
		    db_errmsg(s->db));
	/* Most orders are new: try the insert first, look up only on conflict. */
	st = db_prep(s->db, "INSERT INTO orders(shop_id, order_no, status, created_at, "
	    "ship_by, updated_at, cod, currency, total, buyer_name, buyer_phone, address, "
	    "district, province) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
	    "ON CONFLICT(shop_id, order_no) DO NOTHING");
	if (st == NULL)
		return session_fail(s, DB_ERR, "order %s: %s", in->order_no, db_errmsg(s->db));
	db_bind_int(st, 1, shop_id);
	db_bind_text(st, 2, in->order_no);
	db_bind_text(st, 3, order_status_name(in->status));
	db_bind_int(st, 4, in->created_at);
	if (in->ship_by > 0)
		db_bind_int(st, 5, in->ship_by);
	db_bind_int(st, 6, clock_now());
	db_bind_int(st, 7, in->cod);
	db_bind_text(st, 8, in->currency);
	db_bind_int(st, 9, in->total);
	db_bind_text(st, 10, S(in->buyer_name));
	db_bind_text(st, 11, S(in->buyer_phone));
	db_bind_text(st, 12, S(in->address));
	db_bind_text(st, 13, S(in->district));
	db_bind_text(st, 14, S(in->province));
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc < 0 ? rc : DB_ERR, "order %s: %s", in->order_no,
		    db_errmsg(s->db));
	found = db_changes(s->db) == 0;
	if (found) {
		rc = db_int(s->db, &id, "SELECT id FROM orders WHERE shop_id = ? AND "
		    "order_no = ?", "is", shop_id, in->order_no);
		if (rc != 0)
			return session_fail(s, rc, "order %s: %s", in->order_no, db_errmsg(s->db));
	}

	if (!found) {
		id = db_last_id(s->db);
		if ((rc = insert_lines(s, id, in)) != 0)
			return rc;
		snprintf(after, sizeof after, "{\"status\":\"%s\",\"lines\":%zu,\"total\":%"
		    PRId64 "}", order_status_name(in->status), in->nlines, in->total);
		if ((rc = audit_log(s, "order", id, "create", "", after)) != 0 ||
		    (rc = settlement_due(s, id, shop_id, in->status)) != 0 ||
		    (rc = rules_apply(s, id)) != 0)
			return rc;
	} else if (!unchanged(s, id, in)) {
		if ((rc = load_head(s, id, &h)) != 0)
			return rc;
		rc = db_run(s->db, "UPDATE orders SET created_at = ?, ship_by = ?, cod = ?, "
		    "currency = ?, total = ?, buyer_name = ?, buyer_phone = ?, address = ?, "
		    "district = ?, province = ?, updated_at = ?, version = version + 1 "
		    "WHERE id = ?", "iiisisssssii", in->created_at,
		    in->ship_by > 0 ? in->ship_by : (int64_t)0, in->cod, in->currency, in->total,
		    S(in->buyer_name), S(in->buyer_phone), S(in->address), S(in->district),
		    S(in->province), clock_now(), id);
		if (rc == 0 && in->ship_by <= 0)
			rc = db_run(s->db, "UPDATE orders SET ship_by = NULL WHERE id = ?", "i", id);
		if (rc != 0)
			return session_fail(s, rc, "order %s: %s", in->order_no, db_errmsg(s->db));
		h.version++;
		/* Lines may change only before stock is committed to them. */
		if (h.status == ST_NEW || h.status == ST_CONFIRMED || h.status == ST_ON_HOLD) {
			if ((rc = db_run(s->db, "DELETE FROM order_line WHERE order_id = ?", "i",
			    id)) != 0)
				return session_fail(s, rc, "order %s: %s", in->order_no,
				    db_errmsg(s->db));
			if ((rc = insert_lines(s, id, in)) != 0)
				return rc;
		}
		snprintf(after, sizeof after, "{\"total\":%" PRId64 ",\"version\":%" PRId64 "}",
		    in->total, h.version);
		if ((rc = audit_log(s, "order", id, "update", "", after)) != 0)
			return rc;
		if (in->status != h.status && !lags(in->status, h.status) &&
		    (rc = apply_transition(s, &h, 0, announced(in->status, h.status), "update",
		    0)) != 0)
			return rc;
		/* The rules again, on the order as it is now. */
		if ((rc = rules_apply(s, id)) != 0)
			return rc;
	}
	/* Confirmed by the marketplace or by a rule: allocated now (or by the caller's
	 * batch, order_upsert_unrouted). */
	if (route && (rc = route_confirmed(s, id)) != 0)
		return rc;
	if (idp != NULL)
		*idp = id;
	if (createdp != NULL)
		*createdp = !found;
	return 0;
}

static int
upsert(struct session *s, const struct order_in *in, int64_t *id, int *created, int route)
{
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "order import")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "order %s: %s", S(in->order_no), db_errmsg(s->db));
	if ((rc = upsert_locked(s, in, id, created, route)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "order %s: %s", in->order_no, db_errmsg(s->db));
	return 0;
}

int
order_upsert(struct session *s, const struct order_in *in, int64_t *id, int *created)
{
	return upsert(s, in, id, created, 1);
}

int
order_upsert_unrouted(struct session *s, const struct order_in *in, int64_t *id,
    int *created)
{
	return upsert(s, in, id, created, 0);
}

static char *
col_dup(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? NULL : xstrdup(db_col_text(st, col));
}

int
order_load(struct session *s, int64_t id, struct order **out)
{
	struct db_stmt *st;
	struct order *o;
	int rc;

	*out = NULL;
	st = db_prep(s->db, "SELECT o.id, o.shop_id, o.version, o.status, o.created_at, "
	    "coalesce(o.ship_by, 0), o.updated_at, o.cod, o.total, coalesce(o.warehouse_id, 0), "
	    "sh.channel, sh.shop_code, o.order_no, o.currency, o.buyer_name, o.buyer_phone, "
	    "o.address, o.district, o.province, o.tracking_no "
	    "FROM orders o JOIN shop sh ON sh.id = o.shop_id WHERE o.id = ?");
	if (st == NULL)
		return session_fail(s, DB_ERR, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_done(st);
		if (rc == DB_DONE)
			return session_fail(s, DB_ENOTFOUND, "order %" PRId64 " does not exist", id);
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	}
	o = xcalloc(1, sizeof *o);
	o->id = db_col_int(st, 0);
	o->shop_id = db_col_int(st, 1);
	o->version = db_col_int(st, 2);
	order_status_parse(db_col_text(st, 3), &o->status);
	o->created_at = db_col_int(st, 4);
	o->ship_by = db_col_int(st, 5);
	o->updated_at = db_col_int(st, 6);
	o->cod = db_col_int(st, 7);
	o->total = db_col_int(st, 8);
	o->warehouse_id = db_col_int(st, 9);
	o->channel = col_dup(st, 10);
	o->shop = col_dup(st, 11);
	o->order_no = col_dup(st, 12);
	o->currency = col_dup(st, 13);
	o->buyer_name = col_dup(st, 14);
	o->buyer_phone = col_dup(st, 15);
	o->address = col_dup(st, 16);
	o->district = col_dup(st, 17);
	o->province = col_dup(st, 18);
	o->tracking_no = col_dup(st, 19);
	db_done(st);

	st = db_prep(s->db, "SELECT l.id, l.line_no, l.sku_id, k.sku, k.name, l.qty, "
	    "l.unit_price FROM order_line l JOIN sku k ON k.id = l.sku_id WHERE l.order_id = ? "
	    "ORDER BY l.line_no");
	if (st == NULL) {
		order_free(o);
		return session_fail(s, DB_ERR, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	}
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct order_line *l;

		o->lines = xrealloc(o->lines, (o->nlines + 1) * sizeof *o->lines);
		l = &o->lines[o->nlines++];
		l->id = db_col_int(st, 0);
		l->line_no = (int)db_col_int(st, 1);
		l->sku_id = db_col_int(st, 2);
		l->sku = xstrdup(db_col_text(st, 3));
		l->name = xstrdup(db_col_text(st, 4));
		l->qty = db_col_int(st, 5);
		l->unit_price = db_col_int(st, 6);
	}
	db_done(st);
	if (rc != DB_DONE) {
		order_free(o);
		return session_fail(s, rc, "order %" PRId64 ": %s", id, db_errmsg(s->db));
	}
	*out = o;
	return 0;
}

void
order_free(struct order *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->nlines; i++) {
		free(o->lines[i].sku);
		free(o->lines[i].name);
	}
	free(o->lines);
	free(o->channel);
	free(o->shop);
	free(o->order_no);
	free(o->currency);
	free(o->buyer_name);
	free(o->buyer_phone);
	free(o->address);
	free(o->district);
	free(o->province);
	free(o->tracking_no);
	free(o);
}

int
order_find(struct session *s, const char *key, int64_t *id)
{
	struct db_stmt *st;
	int64_t first = 0, n = 0, channels = 0;
	const char *num = key[0] == '#' ? key + 1 : key;
	char *end;
	long long v;
	int rc;

	if (key[0] != '#') {
		st = db_prep(s->db, "SELECT o.id, sh.channel FROM orders o "
		    "JOIN shop sh ON sh.id = o.shop_id WHERE o.order_no = ? ORDER BY sh.channel");
		if (st == NULL)
			return session_fail(s, DB_ERR, "%s", db_errmsg(s->db));
		db_bind_text(st, 1, key);
		{
			char last[16] = "";

			while ((rc = db_step(st)) == DB_ROW) {
				if (n++ == 0)
					first = db_col_int(st, 0);
				if (strcmp(last, db_col_text(st, 1)) != 0) {
					channels++;
					snprintf(last, sizeof last, "%s", db_col_text(st, 1));
				}
			}
		}
		db_done(st);
		if (rc != DB_DONE)
			return session_fail(s, rc, "%s", db_errmsg(s->db));
		if (channels > 1)
			return session_fail(s, DB_EINVAL, "order number %s is used on %" PRId64
			    " channels; give the id (#N) instead", key, channels);
		if (n >= 1) {
			*id = first;
			return 0;
		}
		rc = db_int(s->db, id, "SELECT order_id FROM package WHERE tracking_no = ? "
		    "UNION ALL SELECT id FROM orders WHERE tracking_no = ? LIMIT 1", "ss", key, key);
		if (rc != DB_ENOTFOUND)
			return rc == 0 ? 0 : session_fail(s, rc, "%s", db_errmsg(s->db));
	}
	v = strtoll(num, &end, 10);
	if (*num != '\0' && *end == '\0' && v > 0) {
		rc = db_int(s->db, id, "SELECT id FROM orders WHERE id = ?", "i", (int64_t)v);
		if (rc == 0)
			return 0;
	}
	return session_fail(s, DB_ENOTFOUND, "no order matches '%s' (order number, tracking "
	    "number or #id)", key);
}

int
order_list(struct session *s, const struct order_filter *f, struct order_row **rows,
    size_t *n)
{
	char sql[2048], mask[256] = "";
	struct db_stmt *st;
	struct order_row *r = NULL;
	size_t cap = 0, cnt = 0;
	int rc, idx = 1;

	if (f->status_mask != 0) {
		const char *sep = "";
		size_t o = 0;
		int i;

		o += (size_t)snprintf(mask + o, sizeof mask - o, " AND o.status IN (");
		for (i = 0; i < ST__COUNT; i++)
			if (f->status_mask & (1u << i)) {
				o += (size_t)snprintf(mask + o, sizeof mask - o, "%s'%s'", sep,
				    order_status_name((enum order_status)i));
				sep = ", ";
			}
		snprintf(mask + o, sizeof mask - o, ")");
	}
	snprintf(sql, sizeof sql, "SELECT o.id, o.order_no, sh.channel, sh.shop_code, o.status, "
	    "o.created_at, coalesce(o.ship_by, 0), o.cod, o.total, o.currency, o.buyer_name, "
	    "o.province, (SELECT count(*) FROM order_line l WHERE l.order_id = o.id), "
	    "(SELECT coalesce(sum(qty), 0) FROM order_line l WHERE l.order_id = o.id) "
	    "FROM orders o JOIN shop sh ON sh.id = o.shop_id WHERE 1 = 1%s%s%s%s%s%s%s "
	    "ORDER BY %s LIMIT ? OFFSET ?",
	    f->status >= 0 && f->status_mask == 0 ? " AND o.status = ?" : "", mask,
	    f->channel != NULL ? " AND sh.channel = ?" : "",
	    f->shop != NULL ? " AND sh.shop_code = ?" : "",
	    f->warehouse_id != 0 ? " AND coalesce(o.warehouse_id, sh.warehouse_id) = ?" : "",
	    f->ship_by_range == 1 ? " AND o.ship_by >= ? AND o.ship_by < ?" :
	    f->ship_by_range == 2 ? " AND o.ship_by IS NULL" : "",
	    f->search != NULL ? " AND (instr(lower(o.order_no), lower(?)) > 0 OR "
	    "instr(lower(o.buyer_name), lower(?)) > 0 OR instr(lower(o.buyer_phone), "
	    "lower(?)) > 0)" : "",
	    f->ship_by_range == 1 ? "o.ship_by, o.id" : f->ship_by_range == 2 ? "o.id" :
	    f->sort_ship_by ? "o.ship_by IS NULL, o.ship_by, o.id" : "o.created_at DESC, o.id DESC");
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "order list: %s", db_errmsg(s->db));
	if (f->status >= 0 && f->status_mask == 0)
		db_bind_text(st, idx++, order_status_name((enum order_status)f->status));
	if (f->channel != NULL)
		db_bind_text(st, idx++, f->channel);
	if (f->shop != NULL)
		db_bind_text(st, idx++, f->shop);
	if (f->warehouse_id != 0)
		db_bind_int(st, idx++, f->warehouse_id);
	if (f->ship_by_range == 1) {
		db_bind_int(st, idx++, f->ship_by_from);
		db_bind_int(st, idx++, f->ship_by_to);
	}
	if (f->search != NULL) {
		/* A substring taken as typed: instr(), not LIKE, so % and _ are plain text. */
		db_bind_text(st, idx++, f->search);
		db_bind_text(st, idx++, f->search);
		db_bind_text(st, idx++, f->search);
	}
	db_bind_int(st, idx++, f->limit > 0 ? f->limit : -1);
	db_bind_int(st, idx++, f->offset > 0 ? f->offset : 0);
	while ((rc = db_step(st)) == DB_ROW) {
		struct order_row *o;

		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			r = xrealloc(r, cap * sizeof *r);
		}
		o = &r[cnt++];
		memset(o, 0, sizeof *o);
		o->id = db_col_int(st, 0);
		snprintf(o->order_no, sizeof o->order_no, "%s", db_col_text(st, 1));
		snprintf(o->channel, sizeof o->channel, "%s", db_col_text(st, 2));
		snprintf(o->shop, sizeof o->shop, "%s", db_col_text(st, 3));
		order_status_parse(db_col_text(st, 4), &o->status);
		o->created_at = db_col_int(st, 5);
		o->ship_by = db_col_int(st, 6);
		o->cod = db_col_int(st, 7);
		o->total = db_col_int(st, 8);
		snprintf(o->currency, sizeof o->currency, "%s", db_col_text(st, 9));
		snprintf(o->buyer_name, sizeof o->buyer_name, "%s", db_col_text(st, 10));
		snprintf(o->province, sizeof o->province, "%s", db_col_text(st, 11));
		o->lines = db_col_int(st, 12);
		o->units = db_col_int(st, 13);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(r);
		return session_fail(s, rc, "order list: %s", db_errmsg(s->db));
	}
	*rows = r;
	*n = cnt;
	return 0;
}
