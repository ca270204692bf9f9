/*
 * fuzz_webhook.c — libFuzzer target for the push receiver (src/app/webhooks.c, included
 * here for its static request steps) and each channel's push helpers (ops.h push_sign,
 * push_parse). Input: byte 0 picks the shop (Shopee, Lazada, TikTok), byte 1 how the
 * request is signed and addressed, the rest is the body (after a first line that is the
 * path, when byte 1 says so). Each request goes through what push() does without the
 * HTTP server: route, signature check, body parse, then the queue and the counters on
 * the demo database inside a transaction rolled back afterwards. Beyond not crashing:
 * the path routes only to the shop it names; the signature the channel computes is
 * HMAC-SHA256 as the platforms document it, computed here with libsodium; a right one
 * is taken in either case and anything else refused; a parsed push gives terminated
 * texts; the queue takes it or refuses it as bad input (never a database error, which
 * the platform would retry for ever); a push is queued only when signed and naming an
 * order. Some inputs also go to webhooks_check_listen (the --listen address).
 */
#include "app/webhooks.c"

#include <stdint.h>

#include "fuzzdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct webhooks_shop shops[] = {
	{ .name = "main", .channel = "shopee", .code = "285037461",
	    .creds = { .partner_id = 2001887, .shop_id = 285037461,
	    .partner_key = "shpk-fuzz-partner-key" } },
	{ .name = "lz", .channel = "lazada", .code = "lz",
	    .creds = { .app_key = "105827", .app_secret = "lz-fuzz-app-secret" } },
	{ .name = "tt", .channel = "tiktok", .code = "tt",
	    .creds = { .app_key = "6abc7", .app_secret = "tt-fuzz-app-secret",
	    .shop_cipher = "ROW_fuzz" } },
};

/* The documented signature: HMAC-SHA256(key, prefix + sep + body) in lower-case hex. */
static void
reference(const struct webhooks_shop *sh, const char *url, const char *body, size_t len,
    char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	const char *key, *prefix, *sep;

	if (strcmp(sh->channel, "shopee") == 0) {
		key = sh->creds.partner_key;
		prefix = url;
		sep = "|";
	} else {
		key = sh->creds.app_secret;
		prefix = sh->creds.app_key;
		sep = "";
	}
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, strlen(prefix));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)sep, strlen(sep));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

static void
terminated(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webhooks w;
	const struct webhooks_shop *sh, *routed;
	const struct market_ops *ops;
	struct req rq;
	char url[512], path[256], auth[80], want[65], ref[65], order_no[128], status[64];
	char err[256];
	const char *body;
	size_t len, i;
	int mode, good, expect, added, rc;

	if (size < 2 || size > WEBHOOKS_MAX_BODY)
		return 0;
	if (sodium_init() < 0)
		abort();
	sh = &shops[data[0] % 3];
	mode = data[1] % 8;
	body = (const char *)data + 2;
	len = size - 2;

	memset(&w, 0, sizeof w);
	w.shops = shops;
	w.n = sizeof shops / sizeof shops[0];
	snprintf(w.url_base, sizeof w.url_base, "https://hooks.example.vn");
	snprintf(path, sizeof path, PUSH_PREFIX "%s/%s", sh->channel, sh->name);
	if (mode == 7) {
		/* The first line is the path and the address to listen on. */
		const char *nl = memchr(body, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - body) : len;

		if (n >= sizeof path)
			return 0;
		memcpy(path, body, n);
		path[n] = '\0';
		body = nl != NULL ? nl + 1 : body + len;
		len -= nl != NULL ? n + 1 : n;
		err[0] = '\0';
		rc = webhooks_check_listen(path, err, sizeof err);
		if ((rc != 0 && rc != -1) || (rc == -1 && (err[0] == '\0' ||
		    strchr(err, '\n') != NULL)))
			abort();
	}
	routed = route(&w, path);
	if (mode == 7) {
		if (routed == NULL)
			return 0;
		snprintf(url, sizeof url, PUSH_PREFIX "%s/%s", routed->channel, routed->name);
		if (strcmp(url, path) != 0)
			abort();
		sh = routed;
	} else if (routed != sh) {
		abort();
	}
	ops = ops_find(sh->channel);
	if (ops == NULL || ops->push_sign == NULL || ops->push_parse == NULL)
		abort();

	/* Only the bytes of the body: a copy of exactly len, so a read past it is caught. */
	rq.body = len > 0 ? malloc(len) : NULL;
	if (len > 0 && rq.body == NULL)
		abort();
	if (len > 0)
		memcpy(rq.body, body, len);
	rq.len = len;
	rq.too_big = 0;

	snprintf(url, sizeof url, "%s" PUSH_PREFIX "%s/%s", w.url_base, sh->channel, sh->name);
	ops->push_sign(&sh->creds, url, rq.body != NULL ? rq.body : "", len, want);
	reference(sh, url, rq.body != NULL ? rq.body : "", len, ref);
	if (strcmp(want, ref) != 0) {
		fprintf(stderr, "%s push signature %s, HMAC-SHA256 says %s\n", sh->channel, want,
		    ref);
		abort();
	}
	switch (mode) {
	case 0:
	case 7:
		snprintf(auth, sizeof auth, "%s", ref);
		expect = 1;
		break;
	case 1:                     /* upper-case hex is the same signature */
		for (i = 0; i < 64; i++)
			auth[i] = (char)toupper((unsigned char)ref[i]);
		auth[64] = '\0';
		expect = 1;
		break;
	case 2:                     /* one digit off */
		snprintf(auth, sizeof auth, "%s", ref);
		auth[len % 64] = auth[len % 64] == '0' ? '1' : '0';
		expect = 0;
		break;
	case 3:                     /* cut short, or one too many */
		snprintf(auth, sizeof auth, len % 2 ? "%.63s" : "%s0", ref);
		expect = 0;
		break;
	case 4:                     /* signed for another shop's key */
		reference(&shops[(data[0] + 1) % 3], url, rq.body != NULL ? rq.body : "", len,
		    auth);
		expect = 0;
		break;
	default:                    /* the body's first bytes as the header */
		snprintf(auth, sizeof auth, "%.*s", (int)(len < 64 ? len : 64), body);
		expect = strlen(auth) == 64 && strcasecmp(auth, ref) == 0;
		break;
	}
	good = signed_ok(&w, ops, sh, mode == 6 && len == 0 ? NULL : auth, &rq);
	if (good != expect) {
		fprintf(stderr, "signature '%s' taken %d, expected %d\n", auth, good, expect);
		abort();
	}

	order_no[0] = status[0] = '\0';
	rc = ops->push_parse(rq.body != NULL ? rq.body : "", len, order_no, sizeof order_no,
	    status, sizeof status);
	if (rc != 0 && rc != -1)
		abort();
	terminated(order_no, sizeof order_no);
	terminated(status, sizeof status);
	if (rc == 0) {
		session_system(&w.s, fuzzdb(), "FZ");
		fuzzdb_begin();
		rc = store(&w, sh, order_no, good, &added);
		fuzzdb_end();
		/* Bad input (an order number no order can have) is push()'s 400; anything
		 * else would be a 503 and the platform would retry the push for ever. */
		if (rc == DB_EINVAL && (!good || w.s.err[0] == '\0' ||
		    strchr(w.s.err, '\n') != NULL))
			abort();
		if (rc != 0 && rc != DB_EINVAL) {
			fprintf(stderr, "store: %s\n", w.s.err[0] ? w.s.err : db_errmsg(w.s.db));
			abort();
		}
		if (added && (rc != 0 || !good || order_no[0] == '\0'))
			abort();
		if (rc == 0 && good && order_no[0] != '\0' && !added)
			abort();
	}
	free(rq.body);
	return 0;
}
