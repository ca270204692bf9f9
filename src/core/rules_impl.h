/*
 * rules_impl.h — the compiled form of a rule set, shared by the compiler
 * (rules_parse.c) and the evaluator (rules_eval.c); nothing else looks inside.
 */
#ifndef PB_RULES_IMPL_H
#define PB_RULES_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define RULES_STACK 256         /* booleans on the evaluation stack, at most */

enum rules_field {
	RF_CHANNEL, RF_SHOP, RF_PROVINCE, RF_DISTRICT,
	RF_TOTAL, RF_COD, RF_SHIP_BY, RF_LINES, RF_UNITS, RF_MAX_QTY, RF_WEIGHT,
	RF_BUYER_ORDERS, RF_BUYER_REFUSALS, RF_BUYER_RETURNS,
	RF_SKUS, RF_TAGS,
};

enum rules_type { RT_NUM, RT_TEXT, RT_LIST };

enum rules_cmp { RC_EQ, RC_NE, RC_LT, RC_LE, RC_GT, RC_GE };

enum rules_op {
	RO_TRUE, RO_FALSE,
	RO_TEST,        /* field: number not 0, text or list not empty */
	RO_CMPN,        /* field cmp n */
	RO_CMPS,        /* field cmp pool[a] (EQ, NE) */
	RO_INN,         /* field one of nums[a .. a+n) */
	RO_INS,         /* field (or one element) one of pool[strset[a .. a+n)] */
	RO_CONTAINS,    /* text: substring pool[a]; list: an element equals it */
	RO_NOT, RO_AND, RO_OR,
};

/* One postfix instruction. */
struct rins {
	uint8_t op, field, cmp, pad;
	int32_t a;
	int64_t n;
};

struct ract {
	int32_t kind;                   /* enum rules_act */
	int32_t s1, s2;                 /* pool offsets, -1: none */
};

struct rrule {
	int32_t name;                   /* pool offset */
	int32_t line, name_line, name_col;
	int32_t order;                  /* position in the file */
	int32_t code, ncode;
	int32_t act, nact;
	int64_t priority;
};

struct rules {
	size_t size;
	unsigned uses;
	int nrules;
	int64_t tag;                    /* the caller's (the cache's version key) */
	uint64_t tag2;
	const struct rrule *rule;
	const struct rins *code;
	const struct ract *act;
	const int64_t *nums;
	const int32_t *strset;
	const char *pool;
};

#endif
