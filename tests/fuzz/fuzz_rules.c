/*
 * fuzz_rules.c — libFuzzer target for the rule language's compiler and evaluator
 * (src/core/rules_parse.c, rules_eval.c). Any bytes, NULs included, are a rules file.
 * Beyond not crashing or looping: a failure comes with errors in position order, each
 * one line with a line and column inside the input; a success evaluates over a fixed
 * order, its results within their bounds and every action text printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rules_line lines[] = {
	{ "GIFT-1", 2, 300 },
	{ "TEE-1", 1, 250 },
};

static const struct rules_order order = {
	.channel = "shopee", .shop = "S1", .province = "Hà Nội", .district = "Ba Đình",
	.total = 2500000, .cod = 2500000, .ship_by = 1764550800, .now = 1764547200,
	.lines = lines, .nlines = 2, .tags = "vip,repeat",
	.buyer_orders = 3, .buyer_cod_refusals = 1, .buyer_returns = 0,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_error errs[16];
	struct rules_result res;
	struct rules *r = NULL;
	int n = -1, i, a, lines_in = 1;
	size_t k;

	for (k = 0; k < size; k++)
		lines_in += data[k] == '\n';
	if (rules_compile((const char *)data, size, &r, errs, 16, &n) != 0) {
		if (r != NULL || n < 1 || n > 16)
			abort();
		for (i = 0; i < n; i++) {
			if (errs[i].line < 1 || errs[i].line > lines_in || errs[i].col < 1 ||
			    errs[i].msg[0] == '\0' || strchr(errs[i].msg, '\n') != NULL)
				abort();
			if (i > 0 && (errs[i].line < errs[i - 1].line ||
			    (errs[i].line == errs[i - 1].line && errs[i].col < errs[i - 1].col)))
				abort();
		}
		return 0;
	}
	if (r == NULL)
		abort();
	rules_eval(r, &order, &res);
	if (res.ntaken < 0 || res.ntaken > RULES_MAX_TAKEN || res.ntags > RULES_MAX_TAGS ||
	    res.nflags > RULES_MAX_FLAGS || res.stopped >= rules_count(r))
		abort();
	for (i = 0; i < rules_count(r); i++) {
		char buf[600];

		if (rules_name(r, i)[0] == '\0' || rules_nactions(r, i) < 1)
			abort();
		if (i > 0 && rules_priority(r, i) < rules_priority(r, i - 1))
			abort();
		for (a = 0; a < rules_nactions(r, i); a++)
			rules_action_text(r, i, a, buf, sizeof buf);
	}
	rules_free(r);
	return 0;
}
