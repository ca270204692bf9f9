/*
 * rules_eval.c — running a compiled rule set (rules_impl.h) over one order's facts: each
 * rule's postfix condition on a fixed boolean stack, then its actions into the result.
 * No allocation and no I/O, so intake and the dry run pay only for the comparisons.
 */
#include <string.h>

#include "rules.h"
#include "rules_impl.h"

struct facts {
	const struct rules_order *o;
	const struct rules_result *res;
	int64_t units, max_qty, weight;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII case-insensitive equality of a (n bytes) and NUL-terminated b. */
static int
eq_n(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] == '\0' || lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	}
	return b[n] == '\0';
}

static int
has_sub(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0)
		return 1;
	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] && lower((unsigned char)hay[i]) ==
		    lower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

static const char *
text(const struct facts *f, int field)
{
	const char *s = NULL;

	switch (field) {
	case RF_CHANNEL: s = f->o->channel; break;
	case RF_SHOP: s = f->o->shop; break;
	case RF_PROVINCE: s = f->o->province; break;
	case RF_DISTRICT: s = f->o->district; break;
	}
	return s ? s : "";
}

/* 0 when the number is missing (ship_by without a ship-by time). */
static int
num(const struct facts *f, int field, int64_t *v)
{
	switch (field) {
	case RF_TOTAL: *v = f->o->total; return 1;
	case RF_COD: *v = f->o->cod; return 1;
	case RF_SHIP_BY:
		if (f->o->ship_by == 0)
			return 0;
		*v = f->o->ship_by - f->o->now;
		return 1;
	case RF_LINES: *v = (int64_t)f->o->nlines; return 1;
	case RF_UNITS: *v = f->units; return 1;
	case RF_MAX_QTY: *v = f->max_qty; return 1;
	case RF_WEIGHT: *v = f->weight; return 1;
	case RF_BUYER_ORDERS: *v = f->o->buyer_orders; return 1;
	case RF_BUYER_REFUSALS: *v = f->o->buyer_cod_refusals; return 1;
	case RF_BUYER_RETURNS: *v = f->o->buyer_returns; return 1;
	}
	return 0;
}

/*
 * Call match(element, len, arg) on each element of a list field until it returns 1.
 * Tags: the order's (comma-separated, blanks trimmed) and those added by earlier rules.
 */
static int
list_any(const struct facts *f, int field, int (*match)(const char *, size_t, const void *),
    const void *arg)
{
	size_t i;

	if (field == RF_SKUS) {
		for (i = 0; i < f->o->nlines; i++) {
			const char *s = f->o->lines[i].sku ? f->o->lines[i].sku : "";

			if (match(s, strlen(s), arg))
				return 1;
		}
		return 0;
	}
	if (f->o->tags != NULL) {
		const char *p = f->o->tags;

		while (*p) {
			const char *e;
			size_t n;

			while (*p == ' ' || *p == ',')
				p++;
			for (e = p; *e && *e != ','; e++)
				;
			n = (size_t)(e - p);
			while (n > 0 && p[n - 1] == ' ')
				n--;
			if (n > 0 && match(p, n, arg))
				return 1;
			p = e;
		}
	}
	for (i = 0; i < (size_t)f->res->ntags; i++) {
		if (match(f->res->tags[i], strlen(f->res->tags[i]), arg))
			return 1;
	}
	return 0;
}

static int
match_any(const char *s, size_t n, const void *arg)
{
	(void)s;
	(void)arg;
	return n > 0;
}

static int
match_eq(const char *s, size_t n, const void *arg)
{
	return eq_n(s, n, arg);
}

struct set {
	const struct rules *r;
	const struct rins *in;
};

static int
match_set(const char *s, size_t n, const void *arg)
{
	const struct set *st = arg;
	int64_t i;

	for (i = 0; i < st->in->n; i++) {
		if (eq_n(s, n, st->r->pool + st->r->strset[st->in->a + i]))
			return 1;
	}
	return 0;
}

static int
cmp(int64_t v, int op, int64_t w)
{
	switch (op) {
	case RC_EQ: return v == w;
	case RC_NE: return v != w;
	case RC_LT: return v < w;
	case RC_LE: return v <= w;
	case RC_GT: return v > w;
	default: return v >= w;
	}
}

static int
is_list(int field)
{
	return field == RF_SKUS || field == RF_TAGS;
}

static int
is_text(int field)
{
	return field <= RF_DISTRICT;
}

static int
cond(const struct rules *r, const struct rrule *rule, const struct facts *f)
{
	unsigned char st[RULES_STACK];
	int sp = 0;
	int32_t i;
	int64_t v, k;

	for (i = 0; i < rule->ncode; i++) {
		const struct rins *in = &r->code[rule->code + i];
		int b = 0;

		switch (in->op) {
		case RO_TRUE: b = 1; break;
		case RO_FALSE: b = 0; break;
		case RO_TEST:
			if (is_list(in->field))
				b = list_any(f, in->field, match_any, NULL);
			else if (is_text(in->field))
				b = text(f, in->field)[0] != '\0';
			else
				b = num(f, in->field, &v) && v != 0;
			break;
		case RO_CMPN:
			b = num(f, in->field, &v) && cmp(v, in->cmp, in->n);
			break;
		case RO_CMPS: {
			const char *t = text(f, in->field);

			b = eq_n(t, strlen(t), r->pool + in->a);
			if (in->cmp == RC_NE)
				b = !b;
			break;
		}
		case RO_INN:
			if (num(f, in->field, &v)) {
				for (k = 0; k < in->n && !b; k++)
					b = r->nums[in->a + k] == v;
			}
			break;
		case RO_INS: {
			struct set s = { r, in };

			if (is_list(in->field))
				b = list_any(f, in->field, match_set, &s);
			else {
				const char *t = text(f, in->field);

				b = match_set(t, strlen(t), &s);
			}
			break;
		}
		case RO_CONTAINS:
			if (is_list(in->field))
				b = list_any(f, in->field, match_eq, r->pool + in->a);
			else
				b = has_sub(text(f, in->field), r->pool + in->a);
			break;
		case RO_NOT:
			st[sp - 1] = !st[sp - 1];
			continue;
		case RO_AND:
			sp--;
			st[sp - 1] = st[sp - 1] && st[sp];
			continue;
		case RO_OR:
			sp--;
			st[sp - 1] = st[sp - 1] || st[sp];
			continue;
		}
		st[sp++] = (unsigned char)b;
	}
	return sp == 1 && st[0];
}

static int
has_str(const char *const *v, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

static int
tag_match(const char *s, size_t n, const void *arg)
{
	return eq_n(s, n, arg);
}

/* Apply action a of rule i; 1 when it was taken. */
static int
act(const struct rules *r, int i, int a, struct facts *f, struct rules_result *res)
{
	const struct ract *x = &r->act[r->rule[i].act + a];
	const char *s1 = x->s1 >= 0 ? r->pool + x->s1 : NULL;

	switch (x->kind) {
	case RA_CONFIRM:
	case RA_HOLD:
		if (res->status != 0)
			return 0;
		res->status = x->kind + 1;
		res->hold_reason = s1;
		return 1;
	case RA_FLAG:
		if (res->nflags == RULES_MAX_FLAGS || has_str(res->flags, res->nflags, s1))
			return 0;
		res->flags[res->nflags++] = s1;
		return 1;
	case RA_TAG:
		if (res->ntags == RULES_MAX_TAGS || list_any(f, RF_TAGS, tag_match, s1))
			return 0;
		res->tags[res->ntags++] = s1;
		return 1;
	case RA_WAREHOUSE:
		if (res->warehouse != NULL)
			return 0;
		res->warehouse = s1;
		return 1;
	case RA_CARRIER:
		if (res->carrier != NULL)
			return 0;
		res->carrier = s1;
		res->service = x->s2 >= 0 ? r->pool + x->s2 : NULL;
		return 1;
	case RA_BOX:
		if (res->box != NULL)
			return 0;
		res->box = s1;
		return 1;
	default:
		res->stopped = i;
		return 1;
	}
}

void
rules_eval(const struct rules *r, const struct rules_order *o, struct rules_result *res)
{
	struct facts f;
	size_t k;
	int i, a;

	memset(res, 0, sizeof *res);
	res->stopped = -1;
	memset(&f, 0, sizeof f);
	f.o = o;
	f.res = res;
	if (r->uses & RULES_USES_LINES) {
		for (k = 0; k < o->nlines; k++) {
			f.units += o->lines[k].qty;
			if (o->lines[k].qty > f.max_qty)
				f.max_qty = o->lines[k].qty;
			f.weight += o->lines[k].qty * o->lines[k].weight_g;
		}
	}
	for (i = 0; i < r->nrules && res->stopped < 0; i++) {
		if (!cond(r, &r->rule[i], &f))
			continue;
		for (a = 0; a < r->rule[i].nact; a++) {
			if (!act(r, i, a, &f, res) || res->ntaken == RULES_MAX_TAKEN)
				continue;
			res->taken[res->ntaken].rule = (int16_t)i;
			res->taken[res->ntaken].action = (int8_t)a;
			res->taken[res->ntaken].kind = (int8_t)r->act[r->rule[i].act + a].kind;
			res->ntaken++;
		}
	}
}
