/*
 * rules_parse.c — the rule language's lexer, parser and compiler (rules.h).
 *
 * Grammar (tokens are separated by blanks; `#` starts a comment to the end of the line):
 *
 *   file      := rule*
 *   rule      := "rule" STRING [ "priority" INTEGER ] "when" cond "then" actions
 *   actions   := action { ";" action } [ ";" ]
 *   action    := "confirm" | "hold" STRING | "flag" STRING | "tag" STRING
 *              | "set" "warehouse" STRING | "set" "carrier" STRING [ "service" STRING ]
 *              | "set" "box" STRING | "stop"
 *   cond      := and { "or" and }
 *   and       := unary { "and" unary }
 *   unary     := "not" unary | "(" cond ")" | "true" | "false" | test
 *   test      := FIELD                                   (number: not 0; text, list: not empty)
 *              | FIELD ( "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" ) VALUE
 *              | FIELD "in" "(" VALUE { "," VALUE } ")"
 *              | FIELD "contains" STRING
 *   VALUE     := STRING | NUMBER
 *   NUMBER    := [ "-" ] DIGITS [ "s" | "m" | "h" | "d" | "g" | "kg" ]
 *   STRING    := '"' { any byte but '"', '\' and newline | '\"' | '\\' } '"'
 *
 * Precedence: "not" binds tightest, then "and", then "or". Fields:
 *   text:    channel, shop, province, district   (= != in: ASCII case-insensitive;
 *                                                 contains: a substring)
 *   number:  total, cod (amounts in minor units), ship_by (seconds left before the
 *            ship-by time, negative when late; every test is false without one), lines
 *            (line count), units (sum of quantities), max_qty (largest line quantity),
 *            weight (grams, from the SKUs' weights), buyer.orders, buyer.cod_refusals,
 *            buyer.returns (the buyer's other orders by phone)
 *   list:    skus, tags        (contains: one element equals; in: one element is listed)
 * Durations (s m h d) are seconds, weights (g kg) grams. Priority defaults to 1000.
 *
 * The compiled form is a single allocation: the rules sorted by priority, each with its
 * condition as postfix code over a small boolean stack and its actions, and one pool of
 * the strings they name. Errors carry LINE:COL positions; the parser skips to the next
 * `rule` after a syntax error so that every rule's errors are reported in one pass.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rules.h"
#include "rules_impl.h"
#include "xalloc.h"

#define MAX_DEPTH 64
#define MAX_STRING 200
#define MAX_RULES 10000
#define DEFAULT_PRIORITY 1000

enum tok {
	T_EOF,
	T_ERR,                      /* the lexer already reported it */
	T_IDENT,
	T_STRING,
	T_NUMBER,
	T_LP,
	T_RP,
	T_COMMA,
	T_SEMI,
	T_CMP,
};

struct token {
	enum tok t;
	int line, col;
	const char *p;              /* in the source */
	size_t len;
	int64_t num;
	int cmp;                    /* enum rules_cmp for T_CMP */
	int suffix;                 /* a NUMBER had a unit */
};

/* A growable array of fixed-size items. */
struct vec {
	void *v;
	size_t n, cap, size;
};

static size_t
vec_push(struct vec *a, const void *item)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * a->size);
	}
	memcpy((char *)a->v + a->n * a->size, item, a->size);
	return a->n++;
}

struct parser {
	const char *src, *end, *cur;
	int line;
	const char *line_start;
	struct token tok;
	struct rules_error *errs;
	int maxerr, nerr, total_err;
	int panic;
	int depth;
	struct vec rules, code, acts, nums, strset, pool;
	unsigned uses;
};

static void
perr(struct parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
perr(struct parser *p, int line, int col, const char *fmt, ...)
{
	va_list ap;

	p->total_err++;
	if (p->nerr >= p->maxerr)
		return;
	p->errs[p->nerr].line = line;
	p->errs[p->nerr].col = col;
	va_start(ap, fmt);
	vsnprintf(p->errs[p->nerr].msg, sizeof p->errs[p->nerr].msg, fmt, ap);
	va_end(ap);
	p->nerr++;
}

/* ---- Lexer ---- */

static int
is_ident0(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_ident(int c)
{
	return is_ident0(c) || (c >= '0' && c <= '9') || c == '.';
}

static void
lex(struct parser *p)
{
	struct token *t = &p->tok;
	const char *s;

	for (;;) {
		while (p->cur < p->end && (*p->cur == ' ' || *p->cur == '\t' ||
		    *p->cur == '\r' || *p->cur == '\n')) {
			if (*p->cur == '\n') {
				p->line++;
				p->line_start = p->cur + 1;
			}
			p->cur++;
		}
		if (p->cur < p->end && *p->cur == '#') {
			while (p->cur < p->end && *p->cur != '\n')
				p->cur++;
			continue;
		}
		break;
	}
	memset(t, 0, sizeof *t);
	t->line = p->line;
	t->col = (int)(p->cur - p->line_start) + 1;
	t->p = p->cur;
	if (p->cur >= p->end) {
		t->t = T_EOF;
		return;
	}
	s = p->cur;
	if (is_ident0((unsigned char)*s)) {
		while (p->cur < p->end && is_ident((unsigned char)*p->cur))
			p->cur++;
		t->t = T_IDENT;
		t->len = (size_t)(p->cur - s);
		return;
	}
	if ((*s >= '0' && *s <= '9') || (*s == '-' && s + 1 < p->end && s[1] >= '0' &&
	    s[1] <= '9')) {
		int neg = *s == '-', over = 0;
		uint64_t v = 0, mul = 1;
		const char *u;
		size_t ulen;

		p->cur += neg;
		while (p->cur < p->end && *p->cur >= '0' && *p->cur <= '9') {
			if (v > ((uint64_t)INT64_MAX - 9) / 10)
				over = 1;
			else
				v = v * 10 + (uint64_t)(*p->cur - '0');
			p->cur++;
		}
		u = p->cur;
		while (p->cur < p->end && is_ident((unsigned char)*p->cur))
			p->cur++;
		ulen = (size_t)(p->cur - u);
		t->t = T_NUMBER;
		t->len = (size_t)(p->cur - s);
		if (ulen > 0) {
			t->suffix = 1;
			if (ulen == 1 && (*u == 's' || *u == 'g'))
				mul = 1;
			else if (ulen == 1 && *u == 'm')
				mul = 60;
			else if (ulen == 1 && *u == 'h')
				mul = 3600;
			else if (ulen == 1 && *u == 'd')
				mul = 86400;
			else if (ulen == 2 && u[0] == 'k' && u[1] == 'g')
				mul = 1000;
			else {
				perr(p, t->line, t->col + (int)(u - s), "unknown unit '%.*s' (s, m, "
				    "h, d, g or kg)", (int)(ulen > 20 ? 20 : ulen), u);
				t->t = T_ERR;
				return;
			}
		}
		if (over || v > (uint64_t)INT64_MAX / mul) {
			perr(p, t->line, t->col, "number %.*s%s is too large", (int)(t->len > 24 ?
			    24 : t->len), s, t->len > 24 ? "..." : "");
			t->t = T_ERR;
			return;
		}
		t->num = (int64_t)(v * mul) * (neg ? -1 : 1);
		return;
	}
	if (*s == '"') {
		p->cur++;
		while (p->cur < p->end && *p->cur != '"' && *p->cur != '\n') {
			if (*p->cur == '\\' && p->cur + 1 < p->end &&
			    (p->cur[1] == '"' || p->cur[1] == '\\'))
				p->cur++;
			else if (*p->cur == '\\' || *p->cur == '\0') {
				perr(p, p->line, (int)(p->cur - p->line_start) + 1, *p->cur ?
				    "unknown escape in string (only \\\" and \\\\)" :
				    "NUL byte in string");
				t->t = T_ERR;
				while (p->cur < p->end && *p->cur != '"' && *p->cur != '\n')
					p->cur++;
				if (p->cur < p->end && *p->cur == '"')
					p->cur++;
				return;
			}
			p->cur++;
		}
		if (p->cur >= p->end || *p->cur != '"') {
			perr(p, t->line, t->col, "unterminated string");
			t->t = T_ERR;
			return;
		}
		p->cur++;
		t->t = T_STRING;
		t->p = s + 1;
		t->len = (size_t)(p->cur - s - 2);
		return;
	}
	p->cur++;
	switch (*s) {
	case '(': t->t = T_LP; return;
	case ')': t->t = T_RP; return;
	case ',': t->t = T_COMMA; return;
	case ';': t->t = T_SEMI; return;
	case '=':
		if (p->cur < p->end && *p->cur == '=')
			p->cur++;
		t->t = T_CMP;
		t->cmp = RC_EQ;
		return;
	case '!':
		if (p->cur < p->end && *p->cur == '=') {
			p->cur++;
			t->t = T_CMP;
			t->cmp = RC_NE;
			return;
		}
		break;
	case '<':
	case '>':
		t->t = T_CMP;
		if (p->cur < p->end && *p->cur == '=') {
			p->cur++;
			t->cmp = *s == '<' ? RC_LE : RC_GE;
		} else
			t->cmp = *s == '<' ? RC_LT : RC_GT;
		return;
	}
	if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
		perr(p, t->line, t->col, "unexpected character '%c'", *s);
	else
		perr(p, t->line, t->col, "unexpected byte 0x%02X", (unsigned char)*s);
	t->t = T_ERR;
}

static int
is_kw(const struct token *t, const char *kw)
{
	return t->t == T_IDENT && t->len == strlen(kw) && memcmp(t->p, kw, t->len) == 0;
}

static const char *
tok_desc(const struct token *t, char *buf, size_t len)
{
	switch (t->t) {
	case T_EOF: return "end of file";
	case T_STRING: return "a string";
	case T_NUMBER: return "a number";
	case T_LP: return "'('";
	case T_RP: return "')'";
	case T_COMMA: return "','";
	case T_SEMI: return "';'";
	case T_CMP: return "a comparison";
	case T_IDENT:
		snprintf(buf, len, "'%.*s'", (int)(t->len > 30 ? 30 : t->len), t->p);
		return buf;
	default: return "an error";
	}
}

/* A syntax error at the current token: reported once, then skip to the next rule. */
static void
expected(struct parser *p, const char *what)
{
	char buf[48];

	if (p->panic)
		return;
	p->panic = 1;
	if (p->tok.t == T_ERR)
		return;
	perr(p, p->tok.line, p->tok.col, "expected %s, found %s", what,
	    tok_desc(&p->tok, buf, sizeof buf));
}

/* ---- Compiler ---- */

static int32_t
pool_add(struct parser *p, const char *s, size_t len)
{
	size_t at = p->pool.n, i;
	char c;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		vec_push(&p->pool, &s[i]);
	}
	c = '\0';
	vec_push(&p->pool, &c);
	return (int32_t)at;
}

static const struct {
	const char *name;
	int field;
	int type;
	unsigned uses;
} fields[] = {
	{ "channel", RF_CHANNEL, RT_TEXT, 0 },
	{ "shop", RF_SHOP, RT_TEXT, 0 },
	{ "province", RF_PROVINCE, RT_TEXT, 0 },
	{ "district", RF_DISTRICT, RT_TEXT, 0 },
	{ "total", RF_TOTAL, RT_NUM, 0 },
	{ "cod", RF_COD, RT_NUM, 0 },
	{ "ship_by", RF_SHIP_BY, RT_NUM, 0 },
	{ "lines", RF_LINES, RT_NUM, RULES_USES_LINES },
	{ "units", RF_UNITS, RT_NUM, RULES_USES_LINES },
	{ "max_qty", RF_MAX_QTY, RT_NUM, RULES_USES_LINES },
	{ "weight", RF_WEIGHT, RT_NUM, RULES_USES_LINES },
	{ "buyer.orders", RF_BUYER_ORDERS, RT_NUM, RULES_USES_BUYER },
	{ "buyer.cod_refusals", RF_BUYER_REFUSALS, RT_NUM, RULES_USES_BUYER },
	{ "buyer.returns", RF_BUYER_RETURNS, RT_NUM, RULES_USES_BUYER },
	{ "skus", RF_SKUS, RT_LIST, RULES_USES_LINES },
	{ "tags", RF_TAGS, RT_LIST, RULES_USES_TAGS },
};

static const char *const type_names[] = { "a number", "text", "a list" };

static void
emit(struct parser *p, int op, int field, int cmp, int32_t a, int64_t n)
{
	struct rins in;

	memset(&in, 0, sizeof in);
	in.op = (uint8_t)op;
	in.field = (uint8_t)field;
	in.cmp = (uint8_t)cmp;
	in.a = a;
	in.n = n;
	vec_push(&p->code, &in);
}

static void cond(struct parser *p);

/* FIELD [test] */
static void
test(struct parser *p)
{
	struct token f = p->tok;
	int i, k = -1, type = RT_NUM;

	for (i = 0; i < (int)(sizeof fields / sizeof fields[0]); i++) {
		if (is_kw(&f, fields[i].name))
			k = i;
	}
	if (k < 0) {
		perr(p, f.line, f.col, "unknown field '%.*s'", (int)(f.len > 30 ? 30 : f.len),
		    f.p);
	} else {
		type = fields[k].type;
		p->uses |= fields[k].uses;
	}
	lex(p);
	if (p->tok.t == T_CMP) {
		struct token op = p->tok;

		lex(p);
		if (p->tok.t != T_NUMBER && p->tok.t != T_STRING) {
			expected(p, "a number or a string");
			return;
		}
		if (k >= 0 && type == RT_LIST)
			perr(p, op.line, op.col, "%s is a list: use contains or in",
			    fields[k].name);
		else if (k >= 0 && type == RT_TEXT && p->tok.t != T_STRING)
			perr(p, p->tok.line, p->tok.col, "%s is text: compare it with a string",
			    fields[k].name);
		else if (k >= 0 && type == RT_NUM && p->tok.t != T_NUMBER)
			perr(p, p->tok.line, p->tok.col, "%s is a number: compare it with a "
			    "number", fields[k].name);
		else if (k >= 0 && type == RT_TEXT && op.cmp != RC_EQ && op.cmp != RC_NE)
			perr(p, op.line, op.col, "text is compared with = or != only");
		else if (k >= 0 && type == RT_TEXT)
			emit(p, RO_CMPS, fields[k].field, op.cmp, pool_add(p, p->tok.p,
			    p->tok.len), 0);
		else if (k >= 0)
			emit(p, RO_CMPN, fields[k].field, op.cmp, 0, p->tok.num);
		lex(p);
		return;
	}
	if (is_kw(&p->tok, "in")) {
		int32_t start = -1;
		int64_t count = 0;
		enum tok want = type == RT_NUM ? T_NUMBER : T_STRING;

		lex(p);
		if (p->tok.t != T_LP) {
			expected(p, "'(' after in");
			return;
		}
		start = (int32_t)(want == T_NUMBER ? p->nums.n : p->strset.n);
		do {
			lex(p);
			if (p->tok.t != T_NUMBER && p->tok.t != T_STRING) {
				expected(p, "a value in the list");
				return;
			}
			if (k >= 0 && p->tok.t != want)
				perr(p, p->tok.line, p->tok.col, "%s is %s: list %s", fields[k].name,
				    type_names[type], want == T_NUMBER ? "numbers" : "strings");
			else if (want == T_NUMBER)
				vec_push(&p->nums, &p->tok.num);
			else {
				int32_t off = pool_add(p, p->tok.p, p->tok.len);

				vec_push(&p->strset, &off);
			}
			count++;
			lex(p);
		} while (p->tok.t == T_COMMA);
		if (p->tok.t != T_RP) {
			expected(p, "',' or ')'");
			return;
		}
		lex(p);
		if (k >= 0)
			emit(p, want == T_NUMBER ? RO_INN : RO_INS, fields[k].field, 0, start,
			    count);
		return;
	}
	if (is_kw(&p->tok, "contains")) {
		struct token c = p->tok;

		lex(p);
		if (p->tok.t != T_STRING) {
			expected(p, "a string after contains");
			return;
		}
		if (k >= 0 && type == RT_NUM)
			perr(p, c.line, c.col, "%s is a number: contains needs text or a list",
			    fields[k].name);
		else if (k >= 0)
			emit(p, RO_CONTAINS, fields[k].field, 0, pool_add(p, p->tok.p,
			    p->tok.len), 0);
		lex(p);
		return;
	}
	if (p->tok.t == T_STRING || p->tok.t == T_NUMBER) {
		expected(p, "a comparison, in or contains");
		return;
	}
	if (k >= 0)
		emit(p, RO_TEST, fields[k].field, 0, 0, 0);
}

static void
unary(struct parser *p)
{
	if (p->panic)
		return;
	if (++p->depth > MAX_DEPTH) {
		if (!p->panic)
			perr(p, p->tok.line, p->tok.col, "condition nested deeper than %d",
			    MAX_DEPTH);
		p->panic = 1;
		p->depth--;
		return;
	}
	if (is_kw(&p->tok, "not")) {
		lex(p);
		unary(p);
		emit(p, RO_NOT, 0, 0, 0, 0);
	} else if (p->tok.t == T_LP) {
		lex(p);
		cond(p);
		if (!p->panic && p->tok.t != T_RP)
			expected(p, "')'");
		else if (!p->panic)
			lex(p);
	} else if (is_kw(&p->tok, "true") || is_kw(&p->tok, "false")) {
		emit(p, is_kw(&p->tok, "true") ? RO_TRUE : RO_FALSE, 0, 0, 0, 0);
		lex(p);
	} else if (p->tok.t == T_IDENT && !is_kw(&p->tok, "and") && !is_kw(&p->tok, "or") &&
	    !is_kw(&p->tok, "then") && !is_kw(&p->tok, "rule")) {
		test(p);
	} else
		expected(p, "a condition");
	p->depth--;
}

static void
and_expr(struct parser *p)
{
	unary(p);
	while (!p->panic && is_kw(&p->tok, "and")) {
		lex(p);
		unary(p);
		emit(p, RO_AND, 0, 0, 0, 0);
	}
}

static void
cond(struct parser *p)
{
	and_expr(p);
	while (!p->panic && is_kw(&p->tok, "or")) {
		lex(p);
		and_expr(p);
		emit(p, RO_OR, 0, 0, 0, 0);
	}
}

/* A string argument of an action, checked for length (and for tags, commas). */
static int
str_arg(struct parser *p, const char *what, int32_t *out)
{
	if (p->tok.t != T_STRING) {
		expected(p, what);
		return -1;
	}
	if (p->tok.len == 0)
		perr(p, p->tok.line, p->tok.col, "empty string");
	else if (p->tok.len > MAX_STRING)
		perr(p, p->tok.line, p->tok.col, "string longer than %d bytes", MAX_STRING);
	*out = pool_add(p, p->tok.p, p->tok.len);
	lex(p);
	return 0;
}

static void
action(struct parser *p, struct rrule *r)
{
	struct ract a = { 0, -1, -1 };
	struct token at = p->tok;

	if (is_kw(&p->tok, "confirm")) {
		a.kind = RA_CONFIRM;
		lex(p);
	} else if (is_kw(&p->tok, "stop")) {
		a.kind = RA_STOP;
		lex(p);
	} else if (is_kw(&p->tok, "hold") || is_kw(&p->tok, "flag") || is_kw(&p->tok, "tag")) {
		a.kind = is_kw(&p->tok, "hold") ? RA_HOLD : is_kw(&p->tok, "flag") ? RA_FLAG :
		    RA_TAG;
		lex(p);
		if (a.kind == RA_TAG && p->tok.t == T_STRING &&
		    memchr(p->tok.p, ',', p->tok.len) != NULL)
			perr(p, p->tok.line, p->tok.col, "a tag may not contain ','");
		if (a.kind == RA_FLAG && p->tok.t == T_STRING &&
		    memchr(p->tok.p, ';', p->tok.len) != NULL)
			perr(p, p->tok.line, p->tok.col, "a flag may not contain ';'");
		if (str_arg(p, a.kind == RA_TAG ? "a tag string" : "a reason string",
		    &a.s1) != 0)
			return;
	} else if (is_kw(&p->tok, "set")) {
		lex(p);
		if (is_kw(&p->tok, "warehouse") || is_kw(&p->tok, "box")) {
			a.kind = is_kw(&p->tok, "box") ? RA_BOX : RA_WAREHOUSE;
			lex(p);
			if (str_arg(p, "a string", &a.s1) != 0)
				return;
		} else if (is_kw(&p->tok, "carrier")) {
			a.kind = RA_CARRIER;
			lex(p);
			if (str_arg(p, "a carrier string", &a.s1) != 0)
				return;
			if (is_kw(&p->tok, "service")) {
				lex(p);
				if (str_arg(p, "a service string", &a.s2) != 0)
					return;
			}
		} else {
			expected(p, "warehouse, carrier or box after set");
			return;
		}
	} else {
		expected(p, "an action (confirm, hold, flag, tag, set, stop)");
		return;
	}
	if (r->nact > 0 && ((struct ract *)p->acts.v)[p->acts.n - 1].kind == RA_STOP)
		perr(p, at.line, at.col, "actions after stop are never taken");
	if (r->nact == RULES_MAX_ACTIONS)
		perr(p, at.line, at.col, "more than %d actions in one rule", RULES_MAX_ACTIONS);
	vec_push(&p->acts, &a);
	r->nact++;
}

static int
depth_ok(struct parser *p, struct rrule *r)
{
	const struct rins *c = (const struct rins *)p->code.v + r->code;
	int32_t i, d = 0, max = 0;

	for (i = 0; i < r->ncode; i++) {
		if (c[i].op == RO_NOT)
			continue;
		if (c[i].op == RO_AND || c[i].op == RO_OR)
			d--;
		else
			d++;
		if (d > max)
			max = d;
	}
	return d == 1 && max <= RULES_STACK;
}

static void
rule(struct parser *p)
{
	struct rrule r;
	struct token start = p->tok;

	memset(&r, 0, sizeof r);
	p->panic = 0;
	p->depth = 0;
	r.line = start.line;
	r.priority = DEFAULT_PRIORITY;
	r.order = (int32_t)p->rules.n;
	lex(p);
	if (p->tok.t != T_STRING) {
		expected(p, "the rule's name as a string");
		return;
	}
	if (p->tok.len == 0)
		perr(p, p->tok.line, p->tok.col, "empty rule name");
	else if (p->tok.len > MAX_STRING)
		perr(p, p->tok.line, p->tok.col, "rule name longer than %d bytes", MAX_STRING);
	r.name = pool_add(p, p->tok.p, p->tok.len);
	r.name_line = p->tok.line;
	r.name_col = p->tok.col;
	lex(p);
	if (is_kw(&p->tok, "priority")) {
		lex(p);
		if (p->tok.t != T_NUMBER || p->tok.suffix) {
			expected(p, "a whole number after priority");
			return;
		}
		if (p->tok.num < 0 || p->tok.num > 1000000000)
			perr(p, p->tok.line, p->tok.col, "priority must be 0 to 1000000000");
		r.priority = p->tok.num;
		lex(p);
	}
	if (!is_kw(&p->tok, "when")) {
		expected(p, "when");
		return;
	}
	lex(p);
	r.code = (int32_t)p->code.n;
	cond(p);
	if (p->panic)
		return;
	r.ncode = (int32_t)(p->code.n - (size_t)r.code);
	if (!is_kw(&p->tok, "then")) {
		expected(p, is_kw(&p->tok, "in") || is_kw(&p->tok, "contains") ||
		    p->tok.t == T_CMP ? "and, or or then (only a field may be compared)" :
		    "and, or or then");
		return;
	}
	lex(p);
	r.act = (int32_t)p->acts.n;
	action(p, &r);
	while (!p->panic && p->tok.t == T_SEMI) {
		lex(p);
		if (p->tok.t == T_EOF || is_kw(&p->tok, "rule"))
			break;
		action(p, &r);
	}
	if (p->panic)
		return;
	if (p->tok.t != T_EOF && !is_kw(&p->tok, "rule")) {
		expected(p, "';' or the next rule");
		return;
	}
	/* A condition that failed its type checks compiled to nothing sensible. */
	if (p->total_err == 0 && !depth_ok(p, &r)) {
		perr(p, start.line, start.col, "condition too complex");
		return;
	}
	if (p->rules.n == MAX_RULES) {
		perr(p, start.line, start.col, "more than %d rules", MAX_RULES);
		return;
	}
	vec_push(&p->rules, &r);
}

static int
rule_cmp(const void *a, const void *b)
{
	const struct rrule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* By name, then file order (qsort_r: compiles may run on several threads at once). */
static int
name_cmp(const void *a, const void *b, void *pool)
{
	const struct rrule *x = a, *y = b;
	int c = strcmp((const char *)pool + x->name, (const char *)pool + y->name);

	return c ? c : x->order - y->order;
}

/* Duplicate names: reported at the later rule, in file order. */
static void
check_names(struct parser *p)
{
	struct rrule *copy;
	size_t i;

	if (p->rules.n < 2)
		return;
	copy = xmalloc(p->rules.n * sizeof *copy);
	memcpy(copy, p->rules.v, p->rules.n * sizeof *copy);
	qsort_r(copy, p->rules.n, sizeof *copy, name_cmp, p->pool.v);
	for (i = 1; i < p->rules.n; i++) {
		if (strcmp((char *)p->pool.v + copy[i].name,
		    (char *)p->pool.v + copy[i - 1].name) == 0)
			perr(p, copy[i].name_line, copy[i].name_col, "a rule named \"%s\" "
			    "already exists (line %d)", (char *)p->pool.v + copy[i].name,
			    copy[i - 1].line);
	}
	free(copy);
}

static int
err_cmp(const void *a, const void *b)
{
	const struct rules_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line - y->line;
	return x->col - y->col;
}

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int
rules_compile(const char *text, size_t len, struct rules **out, struct rules_error *errs,
    int maxerr, int *nerr)
{
	struct parser p;
	struct rules *r;
	size_t size, o_rules, o_code, o_acts, o_nums, o_set, o_pool;
	char *blob;

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.src = p.cur = p.line_start = text;
	p.end = text + len;
	p.line = 1;
	p.errs = errs;
	p.maxerr = errs ? maxerr : 0;
	p.rules.size = sizeof(struct rrule);
	p.code.size = sizeof(struct rins);
	p.acts.size = sizeof(struct ract);
	p.nums.size = sizeof(int64_t);
	p.strset.size = sizeof(int32_t);
	p.pool.size = 1;
	lex(&p);
	while (p.tok.t != T_EOF) {
		if (is_kw(&p.tok, "rule")) {
			rule(&p);
			continue;
		}
		if (!p.panic)
			expected(&p, "rule");
		/* Skip to the next `rule` (panic mode). */
		while (p.tok.t != T_EOF && !is_kw(&p.tok, "rule"))
			lex(&p);
	}
	check_names(&p);
	if (nerr != NULL)
		*nerr = p.nerr;
	if (p.nerr > 1)
		qsort(errs, (size_t)p.nerr, sizeof *errs, err_cmp);
	if (p.total_err > 0) {
		free(p.rules.v);
		free(p.code.v);
		free(p.acts.v);
		free(p.nums.v);
		free(p.strset.v);
		free(p.pool.v);
		return DB_EINVAL;
	}
	if (p.rules.n > 1)
		qsort(p.rules.v, p.rules.n, sizeof(struct rrule), rule_cmp);
	o_rules = align8(sizeof *r);
	o_code = o_rules + align8(p.rules.n * sizeof(struct rrule));
	o_acts = o_code + align8(p.code.n * sizeof(struct rins));
	o_nums = o_acts + align8(p.acts.n * sizeof(struct ract));
	o_set = o_nums + align8(p.nums.n * sizeof(int64_t));
	o_pool = o_set + align8(p.strset.n * sizeof(int32_t));
	size = o_pool + p.pool.n + 1;
	blob = xcalloc(1, size);
	r = (struct rules *)blob;
	r->size = size;
	r->uses = p.uses;
	r->nrules = (int)p.rules.n;
	r->rule = (struct rrule *)(blob + o_rules);
	r->code = (struct rins *)(blob + o_code);
	r->act = (struct ract *)(blob + o_acts);
	r->nums = (int64_t *)(blob + o_nums);
	r->strset = (int32_t *)(blob + o_set);
	r->pool = blob + o_pool;
	if (p.rules.n)
		memcpy(blob + o_rules, p.rules.v, p.rules.n * sizeof(struct rrule));
	if (p.code.n)
		memcpy(blob + o_code, p.code.v, p.code.n * sizeof(struct rins));
	if (p.acts.n)
		memcpy(blob + o_acts, p.acts.v, p.acts.n * sizeof(struct ract));
	if (p.nums.n)
		memcpy(blob + o_nums, p.nums.v, p.nums.n * sizeof(int64_t));
	if (p.strset.n)
		memcpy(blob + o_set, p.strset.v, p.strset.n * sizeof(int32_t));
	if (p.pool.n)
		memcpy(blob + o_pool, p.pool.v, p.pool.n);
	free(p.rules.v);
	free(p.code.v);
	free(p.acts.v);
	free(p.nums.v);
	free(p.strset.v);
	free(p.pool.v);
	*out = r;
	return 0;
}

void
rules_free(struct rules *r)
{
	free(r);
}

int
rules_count(const struct rules *r)
{
	return r->nrules;
}

const char *
rules_name(const struct rules *r, int i)
{
	return r->pool + r->rule[i].name;
}

int64_t
rules_priority(const struct rules *r, int i)
{
	return r->rule[i].priority;
}

int
rules_line(const struct rules *r, int i)
{
	return r->rule[i].line;
}

unsigned
rules_uses(const struct rules *r)
{
	return r->uses;
}

int
rules_nactions(const struct rules *r, int i)
{
	return r->rule[i].nact;
}

void
rules_action_text(const struct rules *r, int i, int a, char *buf, size_t len)
{
	const struct ract *x = &r->act[r->rule[i].act + a];
	const char *s1 = x->s1 >= 0 ? r->pool + x->s1 : "";

	switch (x->kind) {
	case RA_CONFIRM: snprintf(buf, len, "confirm"); break;
	case RA_HOLD: snprintf(buf, len, "hold \"%s\"", s1); break;
	case RA_FLAG: snprintf(buf, len, "flag \"%s\"", s1); break;
	case RA_TAG: snprintf(buf, len, "tag \"%s\"", s1); break;
	case RA_WAREHOUSE: snprintf(buf, len, "set warehouse \"%s\"", s1); break;
	case RA_BOX: snprintf(buf, len, "set box \"%s\"", s1); break;
	case RA_CARRIER:
		if (x->s2 >= 0)
			snprintf(buf, len, "set carrier \"%s\" service \"%s\"", s1,
			    r->pool + x->s2);
		else
			snprintf(buf, len, "set carrier \"%s\"", s1);
		break;
	default: snprintf(buf, len, "stop"); break;
	}
}

int
rules_parse_duration(const char *s, int64_t *out)
{
	int64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (*p == 'd')
		mul = 86400;
	else if (*p == 'h')
		mul = 3600;
	else if (*p == 'm')
		mul = 60;
	else if (*p == 's' || *p == '\0')
		mul = 1;
	else
		return -1;
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (v > INT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}
