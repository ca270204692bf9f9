/* jsonx.c — jansson helpers shared by the response mappers. */
#include "jsonx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

json_t *
jsonx_load(const char *chan, long http, const char *body, size_t len,
    struct market_error *err)
{
	json_error_t je;
	json_t *root;

	err->http = http;
	if (body == NULL || len == 0) {
		if (http == 429)
			market_error_set(err, MC_RATE, "http_429", "%s: HTTP 429, empty body", chan);
		else if (http >= 500 || http == 0)
			market_error_set(err, MC_RETRY, "", "%s: HTTP %ld, empty body", chan, http);
		else
			market_error_set(err, MC_RETRY, "", "%s: empty response (HTTP %ld)", chan, http);
		return NULL;
	}
	root = json_loadb(body, len, 0, &je);
	if (root == NULL || !json_is_object(root)) {
		enum market_class cls = MC_RETRY;

		/* A cut-short body is a network fault (the error at its very end, or at a UTF-8
		 * sequence the cut split: at most 3 bytes before it); a complete non-JSON one is
		 * not ours to fix unless the server says it failed. */
		if (root != NULL || (size_t)je.position + 3 < len)
			cls = http == 429 ? MC_RATE : http >= 500 ? MC_RETRY : MC_FATAL;
		market_error_set(err, cls, "", "%s: HTTP %ld, response is not a JSON object (%s)",
		    chan, http, root ? "wrong type" : je.text);
		json_decref(root);
		return NULL;
	}
	return root;
}

const char *
jsonx_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *
jsonx_text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}

int
jsonx_int(const json_t *o, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	s = json_string_value(v);
	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

int
jsonx_money(const json_t *o, const char *key, int exp, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	char buf[64];

	if (json_is_string(v))
		return market_money_parse(json_string_value(v), exp, out);
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return market_money_parse(buf, exp, out);
	}
	if (json_is_real(v)) {
		/* Rounded to the minor unit as text: the double never becomes the amount. */
		snprintf(buf, sizeof buf, "%.*f", exp, json_real_value(v));
		return market_money_parse(buf, exp, out);
	}
	return -1;
}

enum market_class
jsonx_tokens(const char *chan, const json_t *o, struct market_token *tok,
    struct market_error *err)
{
	const char *at = jsonx_str(o, "access_token"), *rt = jsonx_str(o, "refresh_token");

	memset(tok, 0, sizeof *tok);
	if (at == NULL || at[0] == '\0' || rt == NULL || rt[0] == '\0')
		return market_error_set(err, MC_FATAL, "", "%s: token response without tokens",
		    chan);
	tok->access_token = xstrdup(at);
	tok->refresh_token = xstrdup(rt);
	return MC_OK;
}
