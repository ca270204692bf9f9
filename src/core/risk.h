/*
 * risk.h — what makes an order risky to ship: a high cash-on-delivery amount, a buyer
 * phone with past COD refusals or returns, a blacklisted phone or address, an address
 * without district or province, a phone that is no Vietnamese number, and a duplicate
 * (the same phone, address and SKUs within a window). Each rule is a row of a table in
 * risk.c; each flag carries a short label for narrow columns and a reason in words. The
 * supervisor screens and the rules engine decide holds; this only says what is true.
 *
 * Thresholds come from the config's [risk] section through risk_set_config(), once, at
 * start-up, before any thread reads them.
 */
#ifndef PB_RISK_H
#define PB_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* COD at or above this (VND) is flagged by default. */
#define RISK_HIGH_COD_VND 2000000
#define RISK_MAX_FLAGS 8

struct risk_config {
	int64_t high_cod;           /* VND; 0: rule off */
	int64_t cod_refusals;       /* past COD parcels that came back, at or above; 0: off */
	int64_t returns;            /* past prepaid parcels that came back; 0: off */
	int64_t duplicate_window_s; /* 0: off */
	int check_phone;
	int check_address;
};

enum risk_kind {
	RISK_HIGH_COD,
	RISK_REFUSED,
	RISK_RETURNS,
	RISK_BLOCKED_PHONE,
	RISK_BLOCKED_ADDRESS,
	RISK_ADDRESS,
	RISK_PHONE,
	RISK_DUPLICATE,
	RISK_RULE,                  /* a rule's `flag "reason"` (rules.h) */
	RISK__KINDS
};

struct risk_flag {
	enum risk_kind kind;
	char label[32];             /* "HIGH COD" */
	char reason[160];           /* "COD 2.500.000 VND is at least 2.000.000" */
};

void risk_config_defaults(struct risk_config *c);
/* The thresholds every later check uses (copied). */
void risk_set_config(const struct risk_config *c);
const struct risk_config *risk_get_config(void);

/* The order's flags, at most max, in rule order; *n set. 0, or negative with s->err. */
int risk_check(struct session *s, int64_t order_id, struct risk_flag *out, int max, int *n);

/* Flags as one line: the labels ("HIGH COD · BAD PHONE"), or with reasons 1 each label
 * with its reason ("HIGH COD: COD 2.500.000 ...; BAD PHONE: ..."). */
void risk_join(const struct risk_flag *f, int n, int reasons, char *buf, size_t len);

/* The labels as one short line ("HIGH COD · REFUSED COD x2"), "" when none. */
int risk_flags(struct session *s, int64_t order_id, char *buf, size_t len);
/* The reasons as one line ("HIGH COD: COD 2.500.000 ...; BAD PHONE: ..."). */
int risk_reasons(struct session *s, int64_t order_id, char *buf, size_t len);

/*
 * A phone as the blacklist and the rules compare it: digits only, +84/84 turned into a
 * leading 0. 0, or -1 when nothing like a phone is left.
 */
int risk_phone_norm(const char *phone, char *buf, size_t len);
/* 1 when the phone is a Vietnamese mobile (10 digits, 03/05/07/08/09 with a prefix in
 * use) or landline (11 digits, 02 and an area code) number. */
int risk_phone_valid(const char *phone);
/* An address as compared: lowercased (Vietnamese letters too), ASCII punctuation dropped, blanks collapsed. */
void risk_address_norm(const char *addr, char *buf, size_t len);

/* The blacklist: a phone, or an address text (an order whose full address contains it
 * is flagged). Supervisor and above; audited. */
enum risk_block_kind { RISK_BLOCK_PHONE, RISK_BLOCK_ADDRESS };

struct risk_block_row {
	int64_t id;
	enum risk_block_kind kind;
	char value[256];
	char reason[128];
	char user[64];
	int64_t created_at;
};

int risk_block(struct session *s, enum risk_block_kind kind, const char *value,
    const char *reason);
/* DB_ENOTFOUND when the value is not blocked. */
int risk_unblock(struct session *s, enum risk_block_kind kind, const char *value);
/* *rows owned by the caller (free()). Supervisor and above. */
int risk_block_list(struct session *s, struct risk_block_row **rows, size_t *n);
/* "phone" or "address"; -1 when neither. */
int risk_block_kind_parse(const char *name);
const char *risk_block_kind_name(enum risk_block_kind k);

#endif
