/*
 * tote.h — totes and pick lists: a code that stands for one order or a sequence of
 * orders, so a packer can scan the tote that arrives from picking instead of the order.
 */
#ifndef PB_TOTE_H
#define PB_TOTE_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/*
 * Put orders (in this order) into tote code, replacing what it held. An order already
 * in another tote, or one that is no longer waiting to be packed, is refused by number.
 * Supervisor. All or nothing.
 */
int tote_assign(struct session *s, const char *code, const int64_t *orders, size_t n);

/*
 * The order to pack next from tote code at station of warehouse wh (0: of none, any
 * order): the first in sequence that is CONFIRMED (and no rule sent it to another
 * warehouse), ALLOCATED to wh (a split order: one of its parts), or PACKING at this
 * station. Never one allocated to another warehouse. DB_ENOTFOUND when no tote has the
 * code; DB_ESTATE (s->err says so) when the tote holds nothing left to pack here.
 */
int tote_next(struct session *s, const char *code, const char *station, int64_t wh,
    int64_t *order_id);

/* The order leaves its tote (called when it is packed, held or cancelled). */
int tote_release(struct session *s, int64_t order_id);

struct tote_row {
	char code[64];
	int64_t seq;
	char order_no[64];
	char status[16];
};

/* Every tote's orders; *rows owned by the caller (free()). */
int tote_list(struct session *s, struct tote_row **rows, size_t *n);

#endif
