/*
 * request.h — one marketplace HTTP request as a plain value, built by the connectors'
 * pure request builders and sent by the transport: method, host (API or auth), path,
 * query parameters (sorted and percent-encoded by request_finish), header lines and
 * JSON body bytes. Also the HMAC-SHA256 hex helper every signer uses.
 */
#ifndef PB_REQUEST_H
#define PB_REQUEST_H

#include <stddef.h>
#include <stdint.h>

enum request_host {
	REQUEST_API,                /* the shop's api_base */
	REQUEST_AUTH,               /* the shop's auth_base (token calls) */
};

struct request_param {
	char *key, *value;
};

#define REQUEST_MAXHDR 4

struct request {
	const char *method;         /* "GET" or "POST" (static string) */
	enum request_host host;
	char *path;                 /* no host, no query: "/api/v2/order/get_order_list" */
	struct request_param *params;
	size_t nparams, capparams;
	char *query;                /* after request_finish: "k=v&k2=v2", sorted, encoded */
	char *headers[REQUEST_MAXHDR];  /* "Name: value" */
	size_t nheaders;
	char *body;                 /* NULL: no body; else exactly the bytes to send */
	size_t body_len;
};

/* Start an empty request; release with request_free. */
void request_init(struct request *r, const char *method, enum request_host host,
    const char *path);
void request_free(struct request *r);

/* Add a query parameter (copied). */
void request_param(struct request *r, const char *key, const char *value);
void request_param_int(struct request *r, const char *key, int64_t value);
/* The value of parameter key, or NULL. */
const char *request_get(const struct request *r, const char *key);
/* Add a "Name: value" header line (copied). */
void request_header(struct request *r, const char *name, const char *value);
/* Set the body; the request takes ownership of the malloc'd NUL-terminated text. */
void request_set_body(struct request *r, char *body);

/* Sort the parameters by key in byte order (stable for equal keys). */
void request_sort(struct request *r);
/*
 * prefix followed by key1value1key2value2... over the sorted parameters, leaving out
 * the keys named in skip (a NULL-terminated list, or NULL). Caller frees.
 */
char *request_sign_base(struct request *r, const char *prefix, const char *const *skip);
/* Sort and percent-encode (RFC 3986 unreserved set) the parameters into r->query. */
void request_finish(struct request *r);

/* HMAC-SHA256 of data with key (any length), as 64 hex digits plus NUL. */
void request_hmac_hex(const char *key, const void *data, size_t len, int upper,
    char out[65]);
/* Lower-case hex HMAC-SHA256 with key over prefix followed by the len bytes of data
 * (the push signature of Lazada and TikTok: app_secret over app_key + body); NULL key or
 * prefix count as "". */
void request_hmac_prefixed(const char *key, const char *prefix, const void *data,
    size_t len, char out[65]);

#endif
