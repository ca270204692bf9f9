/*
 * fuzz_linemode.c — libFuzzer target for line mode (`packbench scan`): every line of the
 * input, its CR/LF gone as cmd_scan.c leaves it, through the pack flow (src/core/pack.c)
 * of packer lan at station ST1 on the demo database, inside a transaction rolled back
 * afterwards so each input starts from the same orders and stock. The first byte picks
 * the station's warehouse (any, or one of the two) and auto-confirm. Beyond not
 * crashing or leaking: each answer is a known outcome with a terminated message, a lock
 * shows as LOCKED until acknowledged, and the open order never counts a line scanned
 * past what it expects nor more packages than the station keeps. With
 * FUZZ_LINEMODE_ECHO set in the environment each line and its answer go to stderr (to
 * see what a corpus file does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pack.h"
#include "core/user.h"
#include "fuzzdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64

static void
check(const struct pack *p, const struct pack_result *r)
{
	int64_t left = 0;
	size_t i;

	if (r->outcome > PACK_PACKED || r->action > PACK_ACT_LOGOUT ||
	    memchr(r->message, '\0', sizeof r->message) == NULL || r->remaining < 0)
		abort();
	if (r->outcome == PACK_LOCKED && p->lock == PACK_LOCK_NONE)
		abort();
	/* Locked, only the acknowledge (or a log-out, which ends the session) passes. */
	if (p->lock != PACK_LOCK_NONE && r->outcome == PACK_OK && r->action != PACK_ACT_LOGOUT)
		abort();
	if (p->step > PACK_READY || p->lock > PACK_LOCK_WRONG_LOT || p->npkgs < 0 ||
	    p->npkgs > PACK_MAX_PKGS)
		abort();
	if (p->order_id == 0)
		return;
	for (i = 0; i < p->nlines; i++) {
		if (p->lines[i].scanned < 0 || p->lines[i].scanned > p->lines[i].expected)
			abort();
		left += p->lines[i].expected - p->lines[i].scanned;
	}
	if (pack_remaining(p) != left)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session packer;
	static int logged_in, echo;
	struct pack_config cfg;
	struct pack_result r;
	struct session s;
	struct pack p;
	char *text, *line, *next;
	int n = 0;

	if (size < 1 || size > 8192)
		return 0;
	if (!logged_in) {
		echo = getenv("FUZZ_LINEMODE_ECHO") != NULL;
		fuzzdb_begin();         /* the clock, fixed */
		fuzzdb_end();
		if (user_login_badge(fuzzdb(), &packer, "PB-1001", "ST1") != 0) {
			fprintf(stderr, "fuzz_linemode: log-in: %s\n", packer.err);
			abort();
		}
		logged_in = 1;
	}
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.station, sizeof cfg.station, "ST1");
	cfg.warehouse_id = data[0] % 3;
	cfg.tol_g = 20;
	cfg.tol_pct = 5;
	cfg.auto_confirm = (data[0] & 4) != 0;

	text = malloc(size);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	s = packer;
	fuzzdb_begin();
	pack_init(&p, &s, &cfg);
	for (line = text; line != NULL && n < MAX_LINES; line = next, n++) {
		size_t len;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else if (line[0] == '\0' && line != text)
			break;          /* the end of the last line, not a line of its own */
		len = strlen(line);
		while (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		memset(&r, 0xa5, sizeof r);
		pack_input(&p, line, &r);
		if (echo)
			fprintf(stderr, "%s -> %s %lld %s\n", line, pack_outcome_name(r.outcome),
			    (long long)r.remaining, r.message);
		check(&p, &r);
		if (r.action == PACK_ACT_LOGOUT)
			break;
	}
	pack_free(&p);
	fuzzdb_end();
	free(text);
	return 0;
}
