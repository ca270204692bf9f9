/*
 * transport.c — the libcurl side of the connectors: a request value becomes one HTTP
 * exchange on the shop's reused easy handle. Network faults become MC_RETRY with one
 * line; what the response means is left to the connector's check.
 */
#include "transport.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/xalloc.h"

struct transport {
	CURL *curl;
	char *base[2];              /* by enum request_host, no trailing '/' */
	struct transport_opts opts;
	char errbuf[CURL_ERROR_SIZE];
};

/* What a transfer collects through the callbacks. */
struct sink {
	struct transport_resp *resp;
	size_t cap, max;
	int too_big;
	char retry_after[128];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* localhost, 127.0.0.0/8 or [::1]; not names that merely start with "127.". */
static int
is_loopback(const char *host)
{
	struct in_addr a;

	if (strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* Check base and return a copy without trailing slashes, or NULL with err. */
static char *
check_base(const char *base, char *err, size_t errlen)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *copy = NULL;
	size_t len;

	if (base == NULL || base[0] == '\0') {
		snprintf(err, errlen, "transport: no base URL");
		return NULL;
	}
	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "transport: out of memory");
		return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "transport: %s: not a URL", base);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    !(strcasecmp(scheme, "http") == 0 && is_loopback(host))) {
		snprintf(err, errlen, "transport: %s: must be https:// (http:// only on loopback)",
		    base);
		goto out;
	}
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	copy = xstrndup(base, len);
out:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return copy;
}

struct transport *
transport_new(const char *api_base, const char *auth_base,
    const struct transport_opts *opts, char *err, size_t errlen)
{
	struct transport *t;

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		snprintf(err, errlen, "transport: curl: %s", curl_easy_strerror(global_rc));
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	if (opts != NULL)
		t->opts = *opts;
	if (t->opts.connect_ms <= 0)
		t->opts.connect_ms = 10000;
	if (t->opts.total_ms <= 0)
		t->opts.total_ms = 60000;
	if (t->opts.max_body == 0)
		t->opts.max_body = 16u << 20;
	if ((t->base[REQUEST_API] = check_base(api_base, err, errlen)) == NULL)
		goto fail;
	if ((t->base[REQUEST_AUTH] = check_base(auth_base ? auth_base : api_base, err,
	    errlen)) == NULL)
		goto fail;
	if ((t->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "transport: curl_easy_init failed");
		goto fail;
	}
	return t;
fail:
	transport_free(t);
	return NULL;
}

void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	if (t->curl != NULL)
		curl_easy_cleanup(t->curl);
	free(t->base[REQUEST_API]);
	free(t->base[REQUEST_AUTH]);
	free(t);
}

void
transport_resp_free(struct transport_resp *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof *resp);
	resp->retry_after = -1;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	struct transport_resp *resp = s->resp;
	size_t len = size * n;

	if (len > s->max - resp->len) {
		s->too_big = 1;
		return 0;
	}
	if (resp->len + len + 1 > s->cap) {
		while (resp->len + len + 1 > s->cap)
			s->cap = s->cap ? s->cap * 2 : 4096;
		resp->body = xrealloc(resp->body, s->cap);
	}
	memcpy(resp->body + resp->len, data, len);
	resp->len += len;
	resp->body[resp->len] = '\0';
	return len;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct sink *s = arg;
	size_t len = size * n, vlen;
	const char *v, *end = data + len;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		s->retry_after[0] = '\0';       /* a new response (after 1xx) */
		return len;
	}
	if (len < sizeof name - 1 || strncasecmp(data, name, sizeof name - 1) != 0)
		return len;
	v = data + sizeof name - 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	vlen = (size_t)(end - v);
	if (vlen >= sizeof s->retry_after)
		vlen = sizeof s->retry_after - 1;
	memcpy(s->retry_after, v, vlen);
	s->retry_after[vlen] = '\0';
	return len;
}

/* Faults that a second attempt cannot mend. */
static int
curl_fatal(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_OUT_OF_MEMORY:
		return 1;
	default:
		return 0;
	}
}

static int
set_method(CURL *c, const struct request *r)
{
	int rc = 0;

	if (strcmp(r->method, "GET") == 0 && r->body == NULL)
		return curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	if (strcmp(r->method, "POST") != 0)
		rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method) != CURLE_OK;
	rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)(r->body ? r->body_len : 0)) != CURLE_OK;
	rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "") != CURLE_OK;
	return rc;
}

enum market_class
transport_send(struct transport *t, const struct request *r, struct transport_resp *resp,
    struct market_error *err)
{
	struct curl_slist *hdrs = NULL, *h;
	struct sink s;
	enum market_class cls;
	CURL *c = t->curl;
	CURLcode rc;
	char *url;
	size_t i;
	int bad = 0;

	memset(resp, 0, sizeof *resp);
	resp->retry_after = -1;
	memset(err, 0, sizeof *err);
	memset(&s, 0, sizeof s);
	s.resp = resp;
	s.max = t->opts.max_body;
	t->errbuf[0] = '\0';
	url = xasprintf("%s%s%s%s", t->base[r->host == REQUEST_AUTH], r->path,
	    r->query && r->query[0] ? "?" : "", r->query ? r->query : "");

	for (i = 0; i < r->nheaders && i < REQUEST_MAXHDR; i++) {
		if ((h = curl_slist_append(hdrs, r->headers[i])) == NULL)
			goto oom;
		hdrs = h;
	}
	if ((h = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto oom;
	hdrs = h;

	/* Reset keeps the live connection, DNS and TLS session caches. */
	curl_easy_reset(c);
	bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t->opts.connect_ms) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t->opts.total_ms) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "packbench/" PACKBENCH_VERSION) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &s) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, &s) != CURLE_OK;
	bad |= set_method(c, r);
	if (bad) {
		cls = market_error_set(err, MC_FATAL, "transport", "transport: %s %s: curl refused "
		    "an option", r->method, r->path);
		goto out;
	}

	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->http);
		if (s.retry_after[0] != '\0')
			resp->retry_after = transport_retry_after(s.retry_after, (int64_t)time(NULL));
		cls = market_error_set(err, MC_OK, "", "HTTP %ld", resp->http);
		err->http = resp->http;
		goto out;
	}
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
	if (s.too_big) {
		cls = market_error_set(err, MC_FATAL, "transport", "transport: %s %s: response "
		    "larger than %zu bytes", r->method, r->path, s.max);
		goto out;
	}
	cls = market_error_set(err, curl_fatal(rc) ? MC_FATAL : MC_RETRY, "transport",
	    "transport: %s %s: %s", r->method, r->path,
	    t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
out:
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(url);
	return cls;
oom:
	curl_slist_free_all(hdrs);
	free(url);
	return market_error_set(err, MC_RETRY, "transport", "transport: out of memory");
}

int64_t
transport_retry_after(const char *value, int64_t now)
{
	const char *p = value;
	int64_t secs = 0;
	time_t t;

	while (*p == ' ' || *p == '\t')
		p++;
	if (isdigit((unsigned char)*p)) {
		for (; isdigit((unsigned char)*p); p++) {
			if (secs > 100000000)       /* more than three years: absurd, clamp */
				continue;
			secs = secs * 10 + (*p - '0');
		}
		while (*p == ' ' || *p == '\t')
			p++;
		return *p == '\0' ? secs : -1;
	}
	if ((t = curl_getdate(p, NULL)) == -1)
		return -1;
	return (int64_t)t > now ? (int64_t)t - now : 0;
}
