/*
 * request.c — the request value the connectors build and the transport sends, with the
 * parameter sorting, sign base strings and query encoding the three platforms share.
 */
#include "request.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void
request_init(struct request *r, const char *method, enum request_host host, const char *path)
{
	memset(r, 0, sizeof *r);
	r->method = method;
	r->host = host;
	r->path = xstrdup(path);
}

void
request_free(struct request *r)
{
	size_t i;

	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].key);
		free(r->params[i].value);
	}
	free(r->params);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->path);
	free(r->query);
	free(r->body);
	memset(r, 0, sizeof *r);
}

void
request_param(struct request *r, const char *key, const char *value)
{
	if (r->nparams == r->capparams) {
		r->capparams = r->capparams ? r->capparams * 2 : 16;
		r->params = xrealloc(r->params, r->capparams * sizeof *r->params);
	}
	r->params[r->nparams].key = xstrdup(key);
	r->params[r->nparams].value = xstrdup(value);
	r->nparams++;
}

void
request_param_int(struct request *r, const char *key, int64_t value)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%" PRId64, value);
	request_param(r, key, buf);
}

const char *
request_get(const struct request *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nparams; i++) {
		if (strcmp(r->params[i].key, key) == 0)
			return r->params[i].value;
	}
	return NULL;
}

void
request_header(struct request *r, const char *name, const char *value)
{
	assert(r->nheaders < REQUEST_MAXHDR);
	r->headers[r->nheaders++] = xasprintf("%s: %s", name, value);
}

void
request_set_body(struct request *r, char *body)
{
	free(r->body);
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
}

/* Insertion sort: a handful of parameters, and stability keeps repeated keys in order. */
void
request_sort(struct request *r)
{
	size_t i, j;
	struct request_param p;

	for (i = 1; i < r->nparams; i++) {
		p = r->params[i];
		for (j = i; j > 0 && strcmp(r->params[j - 1].key, p.key) > 0; j--)
			r->params[j] = r->params[j - 1];
		r->params[j] = p;
	}
}

static int
skipped(const char *key, const char *const *skip)
{
	for (; skip != NULL && *skip != NULL; skip++) {
		if (strcmp(*skip, key) == 0)
			return 1;
	}
	return 0;
}

char *
request_sign_base(struct request *r, const char *prefix, const char *const *skip)
{
	size_t i, len = strlen(prefix), off;
	char *s;

	request_sort(r);
	for (i = 0; i < r->nparams; i++) {
		if (!skipped(r->params[i].key, skip))
			len += strlen(r->params[i].key) + strlen(r->params[i].value);
	}
	s = xmalloc(len + 1);
	off = strlen(prefix);
	memcpy(s, prefix, off);
	for (i = 0; i < r->nparams; i++) {
		size_t kl = strlen(r->params[i].key), vl = strlen(r->params[i].value);

		if (skipped(r->params[i].key, skip))
			continue;
		memcpy(s + off, r->params[i].key, kl);
		off += kl;
		memcpy(s + off, r->params[i].value, vl);
		off += vl;
	}
	s[off] = '\0';
	return s;
}

static size_t
encode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			if (out)
				out[n] = (char)*p;
			n++;
		} else {
			if (out) {
				out[n] = '%';
				out[n + 1] = hex[*p >> 4];
				out[n + 2] = hex[*p & 15];
			}
			n += 3;
		}
	}
	return n;
}

void
request_finish(struct request *r)
{
	size_t i, len = 0, off = 0;

	request_sort(r);
	for (i = 0; i < r->nparams; i++)
		len += encode(NULL, r->params[i].key) + encode(NULL, r->params[i].value) + 2;
	free(r->query);
	r->query = xmalloc(len + 1);
	for (i = 0; i < r->nparams; i++) {
		if (i > 0)
			r->query[off++] = '&';
		off += encode(r->query + off, r->params[i].key);
		r->query[off++] = '=';
		off += encode(r->query + off, r->params[i].value);
	}
	r->query[off] = '\0';
}

void
request_hmac_hex(const char *key, const void *data, size_t len, int upper, char out[65])
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *digits = upper ? up : lo;
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t i;

	if (sodium_init() < 0)      /* idempotent and thread-safe; fails only without entropy */
		abort();
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	for (i = 0; i < sizeof mac; i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 15];
	}
	out[64] = '\0';
	sodium_memzero(&st, sizeof st);
}

void
request_hmac_prefixed(const char *key, const char *prefix, const void *data, size_t len,
    char out[65])
{
	size_t pl = prefix != NULL ? strlen(prefix) : 0;
	char *base = xmalloc(pl + len + 1);

	memcpy(base, prefix != NULL ? prefix : "", pl);
	memcpy(base + pl, data, len);
	request_hmac_hex(key != NULL ? key : "", base, pl + len, 0, out);
	free(base);
}
