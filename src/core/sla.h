/*
 * sla.h — the SLA aging board: open orders (NEW to PACKED) counted by the time left to
 * their marketplace ship-by deadline, broken down by what they wait for, and the orders
 * behind any count, most urgent first. Supervisor role and above.
 *
 * Buckets by left = ship_by - now (seconds): overdue left < 0; under 2 h 0 <= left < 2 h;
 * 2-6 h; 6-24 h; later (24 h and more); no deadline (ship_by not set). Each bucket holds
 * its lower edge: an order due exactly now is "under 2 h", one due in exactly 2 h "2-6 h".
 */
#ifndef PB_SLA_H
#define PB_SLA_H

#include <stddef.h>
#include <stdint.h>

#include "order.h"
#include "session.h"

enum sla_bucket {
	SLA_OVERDUE,
	SLA_UNDER_2H,
	SLA_2_6H,
	SLA_6_24H,
	SLA_LATER,
	SLA_NO_DEADLINE,
	SLA__BUCKETS
};

enum sla_group {
	SLA_TO_CONFIRM,             /* NEW, ON_HOLD */
	SLA_TO_PACK,                /* CONFIRMED, ALLOCATED, PACKING */
	SLA_PACKED,                 /* PACKED, not handed over to the carrier */
	SLA__GROUPS
};

/* Which open orders; NULL or "" fields match any. */
struct sla_filter {
	const char *channel;        /* shopee, lazada, tiktok, manual */
	const char *shop;           /* the channel's shop id */
	const char *warehouse;      /* warehouse code: allocated there, else the shop's */
};

struct sla_board {
	int64_t now;
	int64_t n[SLA__GROUPS][SLA__BUCKETS];
	int64_t group_total[SLA__GROUPS];
	int64_t bucket_total[SLA__BUCKETS];
	int64_t total;
};

/* A carrier's day: parcels handed over before the cut-off (minutes after local midnight,
 * -1: none) leave today; promise_h is the time it promises in transit. */
#define SLA_MAX_CARRIERS 16
struct sla_carrier {
	char name[32];
	int cutoff_min;
	int64_t promise_h;
};

/* The carriers the board and the exceptions screen know (copied; set once at start-up,
 * before any thread reads them), and the local offset (seconds) cut-offs are in. */
void sla_set_carriers(const struct sla_carrier *c, int n, int64_t tz_offset);
/* The carriers set; *n set. */
const struct sla_carrier *sla_carriers(int *n);
/* The carrier named name (case-insensitive), or NULL. */
const struct sla_carrier *sla_carrier_find(const char *name);
/* The next cut-off of c at or after now (0 when c has none). */
int64_t sla_next_cutoff(const struct sla_carrier *c, int64_t now);

/* "overdue", "< 2h", "2-6h", "6-24h", "later", "no deadline". */
const char *sla_bucket_name(enum sla_bucket b);
/* "to confirm", "to pack", "packed". */
const char *sla_group_name(enum sla_group g);
/* The bucket of a deadline at now (ship_by <= 0: no deadline). */
enum sla_bucket sla_bucket_of(int64_t ship_by, int64_t now);
/* The group of an open status, or -1 for a status that is not open. */
int sla_group_of(enum order_status st);
/* The ship_by range [*from, *to) of bucket b at now (not for SLA_NO_DEADLINE). */
void sla_bucket_range(enum sla_bucket b, int64_t now, int64_t *from, int64_t *to);

/* The board at now. DB_EPERM below supervisor; DB_ENOTFOUND for an unknown warehouse. */
int sla_board(struct session *s, const struct sla_filter *f, int64_t now,
    struct sla_board *out);

/*
 * The orders behind one count (group -1: every group), most urgent first then by id,
 * at most limit (0: all). *rows owned by the caller (free()).
 */
int sla_orders(struct session *s, const struct sla_filter *f, int group,
    enum sla_bucket b, int64_t now, int limit, struct order_row **rows, size_t *n);

/*
 * The confirmation queue: NEW orders matching f and search (a substring of the order
 * number, buyer name or phone; NULL: any), most urgent first (no deadline last), then by
 * id; at most limit. *rows owned by the caller (free()). Supervisor role and above.
 */
int sla_queue(struct session *s, const struct sla_filter *f, const char *search, int limit,
    struct order_row **rows, size_t *n);

#endif
