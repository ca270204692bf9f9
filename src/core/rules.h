/*
 * rules.h — the order rules: a small condition -> action language a seller can read,
 * compiled once into one compact block and evaluated per order without allocation;
 * versioned rule sets in the database; applied at intake and when an order changes;
 * replayed over past orders without changing anything (the dry run).
 *
 * The language (the full grammar is at the top of rules_parse.c and in README.md):
 *
 *   rule "COD over 2M from a buyer who refused before" priority 10
 *     when cod and total > 2000000 and buyer.cod_refusals >= 1
 *     then hold "COD risk"; stop
 *
 * Rules run in ascending priority (priority 1 before priority 10; equal priorities in
 * file order). Every rule whose condition holds takes its actions, until a `stop`. The
 * first status action (confirm or hold) taken wins, and so does the first `set
 * warehouse`, `set carrier` and `set box`; tags and flags add up. Actions that a higher
 * priority rule already decided are not taken (and not audited).
 */
#ifndef PB_RULES_H
#define PB_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* A compiled rule set: one allocation, freed by rules_free() (or free()). */
struct rules;

#define RULES_MAX_TAGS 16
#define RULES_MAX_FLAGS 16
#define RULES_MAX_TAKEN 64
#define RULES_MAX_ACTIONS 32        /* per rule */

struct rules_error {
	int line, col;              /* 1-based; col counts bytes */
	char msg[160];
};

/*
 * Compile text (len bytes; NUL bytes in it are errors, not terminators). 0 with *out set
 * (owned by the caller); or DB_EINVAL with *out NULL and the errors, in input order, in
 * errs (at most maxerr kept, *nerr the count kept). Never crashes or loops on any input.
 */
int rules_compile(const char *text, size_t len, struct rules **out,
    struct rules_error *errs, int maxerr, int *nerr);
void rules_free(struct rules *r);

/* Rules in evaluation order (by priority, then file order). */
int rules_count(const struct rules *r);
const char *rules_name(const struct rules *r, int i);
int64_t rules_priority(const struct rules *r, int i);
int rules_line(const struct rules *r, int i);
/* "hold \"COD risk\"" for action a of rule i (a < rules_nactions()). */
int rules_nactions(const struct rules *r, int i);
void rules_action_text(const struct rules *r, int i, int a, char *buf, size_t len);

/* What the conditions read; a caller may skip loading what the rules do not use. */
enum {
	RULES_USES_LINES = 1,       /* lines, units, max_qty, skus, weight */
	RULES_USES_BUYER = 2,       /* buyer.* */
	RULES_USES_TAGS = 4,
};
unsigned rules_uses(const struct rules *r);

struct rules_line {
	const char *sku;
	int64_t qty;
	int64_t weight_g;           /* one unit; 0 when unknown */
};

/* The facts about one order. Strings are borrowed; NULL reads as "". */
struct rules_order {
	const char *channel, *shop, *province, *district;
	int64_t total, cod;
	int64_t ship_by;            /* Unix seconds; 0: none */
	int64_t now;                /* ship_by is compared as seconds left after now */
	const struct rules_line *lines;
	size_t nlines;
	const char *tags;           /* the order's tags, comma-separated; NULL: none */
	int64_t buyer_orders;       /* other orders to the same phone */
	int64_t buyer_cod_refusals; /* COD parcels to that phone that came back */
	int64_t buyer_returns;      /* prepaid parcels to that phone that came back */
};

enum rules_act {
	RA_CONFIRM,
	RA_HOLD,
	RA_FLAG,
	RA_TAG,
	RA_WAREHOUSE,
	RA_CARRIER,
	RA_BOX,
	RA_STOP,
};

struct rules_taken {
	int16_t rule;               /* index in evaluation order */
	int8_t action;              /* index within the rule */
	int8_t kind;                /* enum rules_act */
};

/*
 * What the rules decided for one order. Strings point into the compiled rules and live
 * as long as they do. The routing and carrier code honours warehouse and carrier.
 */
struct rules_result {
	int status;                 /* 0, RA_CONFIRM + 1 or RA_HOLD + 1 */
	const char *hold_reason;
	const char *warehouse;      /* code; NULL: no rule chose one */
	const char *carrier, *service;  /* service may be NULL */
	const char *box;
	const char *tags[RULES_MAX_TAGS];
	int ntags;
	const char *flags[RULES_MAX_FLAGS];
	int nflags;
	struct rules_taken taken[RULES_MAX_TAKEN];
	int ntaken;
	int stopped;                /* index of the rule that stopped, or -1 */
};

#define RULES_CONFIRM (RA_CONFIRM + 1)
#define RULES_HOLD (RA_HOLD + 1)

/* Evaluate every rule over o in order; fills *res. No allocation, no I/O. */
void rules_eval(const struct rules *r, const struct rules_order *o, struct rules_result *res);

/* A duration: "30d", "12h", "45m", "90s" or plain seconds. 0, or -1 when malformed. */
int rules_parse_duration(const char *s, int64_t *out);

/* ---- Rule sets in the database (schema 10). ---- */

struct rules_set_row {
	int64_t version;
	char author[64];
	int64_t created_at;
	int active;
	int nrules;
	char *text;                 /* owned; freed by rules_set_free() */
};
void rules_set_free(struct rules_set_row *row);

/*
 * Store text as a new version, made active (the previous one stays, inactive). The text
 * must compile (else DB_EINVAL, s->err the first error as "LINE:COL: message").
 * Supervisor or admin; audited. *version may be NULL.
 */
int rules_store(struct session *s, const char *text, size_t len, int64_t *version);
/* The active rule set; DB_ENOTFOUND when none was ever loaded. */
int rules_active(struct session *s, struct rules_set_row *out);
/* All versions, newest first, texts not loaded; *rows owned by the caller (free()). */
int rules_versions(struct session *s, struct rules_set_row **rows, size_t *n);

/*
 * Apply the active rules to order id, inside the caller's transaction (order_upsert
 * calls it when an order is created and when it changes). Only orders still NEW,
 * CONFIRMED or ON_HOLD are touched: confirm moves NEW to CONFIRMED, hold moves NEW or
 * CONFIRMED to ON_HOLD; flags, tags, warehouse, carrier/service and box are stored on
 * the order (before the status changes, so that routing sees them). Each action that
 * changes the order writes an audit record naming the rule.
 * No active rule set: nothing happens.
 */
int rules_apply(struct session *s, int64_t order_id);
/* The same for n orders in order (route_batch's), their facts read a chunk at a time
 * in a few statements and each order's row written once. All or nothing. */
int rules_apply_many(struct session *s, const int64_t *ids, size_t n);
/*
 * route_batch's: as rules_apply_many, but an order the rules confirm keeps its NEW
 * status in its row (its fields and records written, the transition's record too, at
 * the version it makes): later[i] is set for it and the caller writes CONFIRMED (or
 * what the confirmation sets off) at that version itself, before it commits. A batch
 * naming an order twice leaves nothing for later.
 */
int rules_apply_later(struct session *s, const int64_t *ids, size_t n,
    unsigned char *later);

/* What the rules would leave of an order, nothing written (route_batch's dry run). */
struct rules_decided {
	int decided;                /* 0: no rule set active, the rest unset */
	int status;                 /* 0, RULES_CONFIRM or RULES_HOLD: the transition */
	int64_t warehouse_id;       /* the order's warehouse after them; 0: none */
	char carrier[32], service[32];  /* "": none */
};
/*
 * As rules_apply_many() over ids[0 .. n), changing nothing and writing no record: out[i]
 * is what they would decide for ids[i] (each order as it stands; a repeat does not see
 * its first turn). Reads only. Supervisor.
 */
int rules_decide(struct session *s, const int64_t *ids, size_t n, struct rules_decided *out);

/* What rules stored on an order, for routing and carrier choice (which must honour a
 * rule's warehouse and carrier). Empty strings where no rule decided. */
struct rules_stored {
	char warehouse[32];         /* code */
	int64_t warehouse_id;       /* 0: none */
	char carrier[32], service[32], box[32];
	char tags[256], flags[512];
};
int rules_order_result(struct session *s, int64_t order_id, struct rules_stored *out);

/* One order a rule would have touched in a dry run. */
struct rules_hit {
	int32_t rule;               /* evaluation index */
	uint32_t actions;           /* bit a: action a of that rule would be taken */
	int64_t order_id;
	size_t order_no;            /* offset in the dry run's pool */
};

struct rules_dry {
	struct rules_hit *hits;     /* by rule, then order id */
	size_t nhits;
	size_t norders;             /* orders replayed */
	char *pool;                 /* order numbers */
	size_t pool_len, pool_cap;
};

/*
 * Replay r over the orders created at or after since (Unix seconds) as they would have
 * met them at intake (no tags yet; the buyer's history as it stands now), changing
 * nothing. Reads only. *out freed by rules_dry_free().
 */
int rules_dry_run(struct session *s, const struct rules *r, int64_t since,
    struct rules_dry *out);
void rules_dry_free(struct rules_dry *d);

#endif
