/*
 * test_security.c — the security checks, end to end:
 *  - TLS: a loopback https server with a self-signed certificate is refused by the
 *    transport every channel sends through (peer and host verified), while a client
 *    told to trust that certificate reaches it, so the refusal is the verification's;
 *    every channel's production hosts (the configuration's defaults) are https, and each
 *    channel's own requests to its API host and its auth host are refused by that server;
 *  - roles: every core function that checks a role refuses each lower role with a clear
 *    message and leaves every row of every table as it was; the lowest role allowed
 *    succeeds (the CLI, line mode and the TUI: tests/cli/roles.sh, tests/tui/roles.sh);
 *  - secrets: `packbench sync --once` against packbench-marketsim, with a good and then
 *    a wrong partner key, writes none of the shop's secrets (partner key, access and
 *    refresh tokens) to its output, its errors, the audit trail or any table that logs
 *    what the sync did; then a Shopee, a Lazada and a TikTok Shop shop together, through
 *    `sync --once`, `sync --daemon`, a token refresh of each and `packbench webhooks`
 *    receiving their pushes: no secret nor refreshed token in what they wrote or in any
 *    text of any table but shop_token.
 * (Config files with secrets readable by others are refused: test_config.c. SQL bound
 * only: tests/sqlcheck.sh, tests/cli/inject.sh, test_inject.c.)
 *   test_security SIMULATOR SKUS PACKBENCH
 */
#include <CUnit/CUnit.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/carrier.h"
#include "core/db.h"
#include "core/demand.h"
#include "core/exceptions.h"
#include "core/import.h"
#include "core/inventory.h"
#include "core/kpi.h"
#include "core/merge.h"
#include "core/order.h"
#include "core/purchase.h"
#include "core/recon.h"
#include "core/returns.h"
#include "core/risk.h"
#include "core/route.h"
#include "core/rules.h"
#include "core/sku.h"
#include "core/sla.h"
#include "core/stock.h"
#include "core/tote.h"
#include "core/trail.h"
#include "core/user.h"
#include "../../src/app/config.h"
#include "market/channel.h"
#include "market/finance.h"
#include "market/market.h"
#include "market/ops.h"
#include "market/stockpush.h"
#include "market/request.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define SHOP "2000001"
#define KEY "sec-partner-key-5f0c1e"
#define WRONG_KEY "sec-wrong-key-77ab20"
#define TOKEN "sec-access-token-93d4a8"
#define REFRESH "sec-refresh-token-c2e6f1"

static const char *sim_path, *skus_path, *packbench_path;

/* A self-signed certificate for 127.0.0.1 and localhost (valid to 2126) and its key,
 * made for this test only: `openssl req -x509 -newkey rsa:2048 -nodes -days 36500
 * -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost`. */
static const char self_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDJzCCAg+gAwIBAgIUGgv28Zm6o8xf0ALoPpf5nuOxlf0wDQYJKoZIhvcNAQEL\n"
	"BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNzE3MjgzMFoYDzIxMjYx\n"
	"MTAzMTcyODMwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwggEiMA0GCSqGSIb3DQEB\n"
	"AQUAA4IBDwAwggEKAoIBAQDS0nLguD8ArToznfqFtvwBJM31eK3yno8V3THdLb2k\n"
	"OuJiy5axo9ZrddhZc7eeuj+Y7yUgMwS+FKIzntQHZZkn1a1u0Qdh3tTMv7y33MCe\n"
	"bdmYC4M7x1RE/c45xMl5W8LXZbLX4VxtWX5QUgAzY6Yfod3vyjPAcSHE3b4mO6vH\n"
	"aOhEggEi2fzV+Lzfol+LXjoe0hm0CGAn7gKSyQ3qTDG15Qp3voJjcBaFU4R/jwLb\n"
	"6QHFiXCnCg9QA4wFUIBHlZGG9ojNPSi15o3sbAcjojKUbodb2CbFwNxAklwe50He\n"
	"nqK+md7EgpQ9ETPP79dwQGKRnn5VA931qWSKVqvfvmxjAgMBAAGjbzBtMB0GA1Ud\n"
	"DgQWBBT4vqWhAoyH3SWjf3twksyT3UOatDAfBgNVHSMEGDAWgBT4vqWhAoyH3SWj\n"
	"f3twksyT3UOatDAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxv\n"
	"Y2FsaG9zdDANBgkqhkiG9w0BAQsFAAOCAQEAVQxYUYj8txw0f0M5K3bk17G4vljZ\n"
	"gRNXOrA4X8JAcmrXKGxqYHL0nneV4wMdejCk73Nps2NUx4DsMGh5AGdqvpwyKdcT\n"
	"PdzU3TW7wu2Kj2KIxiHr7O/kzGLu5vKu/zrBe04TT8L45q1GPAtaxHhgNKM/88co\n"
	"5l7eMe+OfPWjVkG8v3ZUs/rLeDOsL9UFszKQ6XryP5EGxHsKZ94cHC8SketBER4l\n"
	"TASXo80dIgz+1eqAVB8SfuSTsjOhTq4Wx1QNVz4dp01EZOO3tGELXXjd9dzfvntQ\n"
	"KksNTeJSu+4iGXq0AIdxJbQjZs5iuIDvShvLH1vcyXMFCk11sKuYYuU4hA==\n"
	"-----END CERTIFICATE-----\n"
	;

static const char self_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDS0nLguD8ArToz\n"
	"nfqFtvwBJM31eK3yno8V3THdLb2kOuJiy5axo9ZrddhZc7eeuj+Y7yUgMwS+FKIz\n"
	"ntQHZZkn1a1u0Qdh3tTMv7y33MCebdmYC4M7x1RE/c45xMl5W8LXZbLX4VxtWX5Q\n"
	"UgAzY6Yfod3vyjPAcSHE3b4mO6vHaOhEggEi2fzV+Lzfol+LXjoe0hm0CGAn7gKS\n"
	"yQ3qTDG15Qp3voJjcBaFU4R/jwLb6QHFiXCnCg9QA4wFUIBHlZGG9ojNPSi15o3s\n"
	"bAcjojKUbodb2CbFwNxAklwe50HenqK+md7EgpQ9ETPP79dwQGKRnn5VA931qWSK\n"
	"VqvfvmxjAgMBAAECggEAFCYP26FQSCjGKLu+/zuTTyqs0nqTqV31D+JhiyF9f+4u\n"
	"x8FsaBLgAco0AKyaDn3/aQbmFfM6T05aiDN0UTapEhEOb8pjebuZu+3RRANBl4Kp\n"
	"KqpjAvoUeDmHlabUmJgoAX0TQCWmNz833sZPhZnO/TPzqaC6HHjTgOSucSn/y2Fz\n"
	"QXHPB3bkgjvZw5D9b4hhAUX1hznKJgIy6GCavItObHvUU1aib2emE7baF2OOEpK+\n"
	"opCiyvlE+INKAOmcwtNS43v6BZOg2CU8fvI2o8APq8btHhwu6fdTXSGjQfiNle8i\n"
	"ppKq/Vz9BNGp1fpmv3dZaivWPahoFhnwlFFuuUqerQKBgQD/mwM9pY/fJL24Dov6\n"
	"BsGc6gjmniMyQ39yaFMu6iXygTlOOJYhOZiC1oRXO5zlwdQTgAvgaxG5XjkvwTFA\n"
	"JMrMcJUnBrIGBFKUBmwv/hqYO3FnRNtY09FEw0FEoHaMYY6sDxgqX0gzHsbH4CCu\n"
	"cxA+up3gD/9WCjf6caAfXnGrDQKBgQDTJb4Ybhve6H6umeu0ufo1cnZ7ujo3z9v1\n"
	"sCa9Id3nv7TBXodFweGnCox7bDgGvWRltNWbXgi6QKmKLV9KFzjO54wCyZpNWkCX\n"
	"kvW92TbIRgpu80YWI4tcXs5TxnbGrPR5UtEoH1abKf41wWj99N3evtEG1xEWyVWi\n"
	"fSze6erZLwKBgQC92j+P/HdegQXBvlxN+9K3YEX4NaFi5iu1qLOQdy50b3NHHFS2\n"
	"nPcgx4FI4ehp54xEZ6lqqVxi2Q+U3uRcBnfzXfQLJrf4LCHB/PtCsnTCefSDhet+\n"
	"kOYxMu45sQ4cuyGjvxpt7pPMFKIFN/5OVPzN+wLkuD0phTGK/fa3FglLyQKBgHjn\n"
	"mMV2b2EhskCahJyVDdAC/hN1HJcO3/38YwJT3TQx0vgS/9SS43p6EN0vp5k8Y7vV\n"
	"Y6c2njrAghRMTM8pIu9fKQ4DkOaQMoJYtXyDX9ooORs1FEHjEo7O/sh70VGMgeTi\n"
	"5j9aSoZI8nanjE43I8DDdP+8sN1iZjXIBaSTP1YjAoGBAMViPCht38/oXdCu9a9+\n"
	"nTIddPeft/qVJnH3atNHJBZoIfduOVbP46yVoluSjlOFFFHrFB/yBAW1ijjxGpjt\n"
	"2V+i/34LEmBrrGwEWdwC0x4debYH7v5d9ukwo3XhbXgaCUZzG21an2oTwzUR/MXJ\n"
	"Zi8afitFR3TebCZRpSLM4jnj\n"
	"-----END PRIVATE KEY-----\n"
	;

/* ---------------------------------------------------------------- TLS verification */

static enum MHD_Result
tls_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **state)
{
	static const char body[] = "{\"ok\":true}";
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* An https server on 127.0.0.1 (ephemeral port) showing the self-signed certificate. */
static struct MHD_Daemon *
tls_start(unsigned short *port)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	struct MHD_Daemon *d;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL,
	    tls_handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_HTTPS_MEM_KEY, self_key, MHD_OPTION_HTTPS_MEM_CERT, self_cert,
	    MHD_OPTION_END);
	if (d == NULL)
		return NULL;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info != NULL ? info->port : 0;
	return d;
}

/* A plain libcurl GET of url trusting only the certificate in file cafile: its HTTP
 * status, 0 when none came. */
static long
get_trusting(const char *url, const char *cafile)
{
	long http = 0;
	CURL *c = curl_easy_init();
	FILE *sink = fopen("/dev/null", "w");

	if (c == NULL || sink == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
out:
	if (sink != NULL)
		fclose(sink);
	curl_easy_cleanup(c);
	return http;
}

/* The transport's answer to GET base/api/ping. */
static enum market_class
transport_get(const char *base, struct transport_resp *resp, struct market_error *err)
{
	struct transport_opts o = { .connect_ms = 5000, .total_ms = 10000 };
	struct transport *t;
	struct request r;
	enum market_class cls;
	char why[256];

	t = transport_new(base, NULL, &o, why, sizeof why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	request_init(&r, "GET", REQUEST_API, "/api/ping");
	request_finish(&r);
	cls = transport_send(t, &r, resp, err);
	request_free(&r);
	transport_free(t);
	return cls;
}

static void
test_tls_self_signed_refused(void)
{
	char base[64], url[96], cafile[] = "/tmp/pb-sec-ca-XXXXXX";
	struct transport_resp resp;
	struct market_error err;
	struct MHD_Daemon *d;
	unsigned short port = 0;
	int fd;

	CU_ASSERT_FATAL(MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES);
	d = tls_start(&port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FATAL(port != 0);
	snprintf(base, sizeof base, "https://127.0.0.1:%u", port);
	snprintf(url, sizeof url, "%s/api/ping", base);

	/* The server is sound: a client trusting its certificate gets 200. */
	fd = mkstemp(cafile);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, self_cert, strlen(self_cert)) == (ssize_t)strlen(self_cert));
	close(fd);
	CU_ASSERT_EQUAL(get_trusting(url, cafile), 200);
	unlink(cafile);

	/* The transport trusts the system's authorities only: refused, never retried. */
	CU_ASSERT_EQUAL(transport_get(base, &resp, &err), MC_FATAL);
	CU_ASSERT_EQUAL(resp.http, 0);
	CU_ASSERT_PTR_NULL(resp.body);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "certificate"));
	if (strstr(err.msg, "certificate") == NULL)
		fprintf(stderr, "transport said: %s\n", err.msg);
	transport_resp_free(&resp);

	/* Nor by another name for the same host (localhost is in the certificate too). */
	snprintf(base, sizeof base, "https://localhost:%u", port);
	CU_ASSERT_EQUAL(transport_get(base, &resp, &err), MC_FATAL);
	CU_ASSERT_EQUAL(resp.http, 0);
	transport_resp_free(&resp);
	MHD_stop_daemon(d);
}

/* Plain http:// goes only to loopback; a real host must be https. */
static void
test_tls_only_for_real_hosts(void)
{
	static const char *const refused[] = { "http://partner.shopeemobile.com",
	    "http://api.lazada.vn/rest", "http://10.0.0.5:8080", "ftp://127.0.0.1/",
	    "http://127.0.0.1.example.com" };
	char why[256];
	size_t i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		why[0] = '\0';
		CU_ASSERT_PTR_NULL(transport_new(refused[i], NULL, NULL, why, sizeof why));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, refused[i]));
	}
	/* The auth host too. */
	CU_ASSERT_PTR_NULL(transport_new("https://partner.shopeemobile.com",
	    "http://auth.example.com", NULL, why, sizeof why));
}

/*
 * Every channel's production hosts (the configuration's defaults when a shop names no
 * api_base) are https, and a transport for them is accepted, while their http:// twins
 * are refused. Every channel's own requests, to its API host and to its auth host (the
 * token refresh), are refused by a host whose certificate is not trusted: the
 * verification is the transport's for every request, whatever the channel.
 */
static void
test_tls_every_channel(void)
{
	static const char *const chans[] = { "shopee", "lazada", "tiktok" };
	struct market_creds cr = { .partner_id = 1000001, .shop_id = 2000001,
	    .partner_key = "k", .app_key = "ak", .app_secret = "as", .shop_cipher = "c",
	    .access_token = "at", .refresh_token = "rt" };
	struct market_listq q = { .from = 1764460800, .to = 1764547200 };
	struct transport_opts o = { .connect_ms = 5000, .total_ms = 10000 };
	char path[] = "/tmp/pb-sec-conf-XXXXXX", base[64], why[256], http[160];
	const struct config_shop *sh;
	struct config cfg;
	struct MHD_Daemon *d;
	unsigned short port = 0;
	size_t i;
	int fd, k;
	FILE *f;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0 && (f = fdopen(fd, "w")) != NULL);
	fprintf(f, "[shop \"S\"]\nchannel = shopee\npartner_id = 1\npartner_key = k\n"
	    "shop_id = 2\naccess_token = t\n\n[shop \"L\"]\nchannel = lazada\napp_key = a\n"
	    "app_secret = s\naccess_token = t\n\n[shop \"T\"]\nchannel = tiktok\napp_key = a\n"
	    "app_secret = s\nshop_cipher = c\naccess_token = t\n");
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(config_load(&cfg, path, why, sizeof why), 0);
	unlink(path);
	for (i = 0; i < 3; i++) {
		const char *names[] = { "S", "L", "T" };
		const char *b[2];
		struct transport *t;

		sh = config_shop(&cfg, names[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
		b[0] = sh->api_base;
		b[1] = sh->auth_base;
		for (k = 0; k < 2; k++) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(b[k]);
			CU_ASSERT_EQUAL(strncmp(b[k], "https://", 8), 0);
			snprintf(http, sizeof http, "http://%s", b[k] + 8);
			CU_ASSERT_PTR_NULL(transport_new(http, NULL, NULL, why, sizeof why));
		}
		t = transport_new(b[0], b[1], NULL, why, sizeof why);
		CU_ASSERT_PTR_NOT_NULL(t);
		transport_free(t);
	}
	config_free(&cfg);

	d = tls_start(&port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	snprintf(base, sizeof base, "https://127.0.0.1:%u", port);
	for (i = 0; i < sizeof chans / sizeof chans[0]; i++) {
		const struct connector *c = channel_find(chans[i])->conn;
		struct transport *t = transport_new(base, base, &o, why, sizeof why);

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		for (k = 0; k < 2; k++) {
			struct transport_resp resp;
			struct market_error err;
			struct request r;
			int rc;

			memset(&r, 0, sizeof r);
			rc = k == 0 ? c->list_request(&cr, &q, q.to, &r, why, sizeof why) :
			    c->refresh_request(&cr, q.to, &r, why, sizeof why);
			CU_ASSERT_EQUAL_FATAL(rc, 0);
			CU_ASSERT_EQUAL(r.host, k == 0 ? REQUEST_API : REQUEST_AUTH);
			memset(&err, 0, sizeof err);
			CU_ASSERT_EQUAL(transport_send(t, &r, &resp, &err), MC_FATAL);
			CU_ASSERT_EQUAL(resp.http, 0);
			if (strstr(err.msg, "certificate") == NULL) {
				fprintf(stderr, "%s %s: %s\n", chans[i], k ? "refresh" : "list",
				    err.msg);
				CU_FAIL("an untrusted certificate was not refused");
			}
			transport_resp_free(&resp);
			request_free(&r);
		}
		transport_free(t);
	}
	MHD_stop_daemon(d);
}

/* ------------------------------------------------------------ secrets never written */

static struct sim sim;
static struct db *db;
static char dbfile[256];

static int
secrets_init(void)
{
	static const char *args[] = { "--orders", "6", "--seed", "11", "--shop-id", SHOP,
	    "--partner-id", "1000001", "--partner-key", KEY, "--access-token", TOKEN,
	    "--skus", NULL, NULL };
	struct session sys;
	int64_t wh;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	args[13] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	return sim_stock_db(&sys, skus_path, 1000, &wh) > 0 ? 0 : -1;
}

static int
secrets_clean(void)
{
	return sim_stop_db(&sim, db, dbfile);
}

static void
write_config(const char *path, const char *key)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	fprintf(f, "[shop \"Shopee Sim\"]\nchannel = shopee\napi_base = http://127.0.0.1:%u\n"
	    "partner_id = 1000001\npartner_key = %s\nshop_id = " SHOP "\naccess_token = "
	    TOKEN "\nrefresh_token = " REFRESH "\n", sim.port, key);
	fclose(f);
}

/* `packbench --db DB --config CONFIG sync --once`: stdout and stderr together into out;
 * the exit status. */
static int
sync_once(const char *config, char *out, size_t outlen)
{
	const char *argv[] = { packbench_path, "--db", dbfile, "--config", config, "sync",
	    "--once", NULL };
	int fds[2], status = -1;
	size_t len = 0;
	ssize_t got;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(packbench_path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < outlen && (got = read(fds[0], out + len, outlen - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *const secrets[] = { KEY, WRONG_KEY, TOKEN, REFRESH };

/* Which secret text holds, or NULL. */
static const char *
leaked(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		if (strstr(text, secrets[i]) != NULL)
			return secrets[i];
	}
	return NULL;
}

/* Every text of every row of table, checked; the rows seen. */
static int
table_clean(const char *table)
{
	struct db_stmt *st;
	char sql[96];
	const char *s;
	int rows = 0, i;

	snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
	st = db_prep(db, sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	while (db_step(st) == DB_ROW) {
		rows++;
		for (i = 0; i < db_col_count(st); i++) {
			if ((s = leaked(db_col_text(st, i))) != NULL) {
				fprintf(stderr, "%s.%s holds a secret: %s\n", table, db_col_name(st, i),
				    s);
				CU_FAIL("a secret was written to the database");
			}
		}
	}
	db_done(st);
	return rows;
}

static void
test_secrets_never_written(void)
{
	static const char *const logs[] = { "change_log", "sync_state", "sync_pass", "outbox",
	    "refetch_queue", "webhook_stat", "orders" };
	char config[300], out[8192];
	size_t i;

	tu_sibling(config, sizeof config, dbfile, ".conf");
	write_config(config, KEY);
	CU_ASSERT_EQUAL(sync_once(config, out, sizeof out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Shopee Sim: pulled "));
	CU_ASSERT_PTR_NULL(leaked(out));
	/* The platform refuses a wrong key: the error is told and logged, the key not. */
	write_config(config, WRONG_KEY);
	CU_ASSERT_EQUAL(sync_once(config, out, sizeof out), 1);
	CU_ASSERT(out[0] != '\0');
	CU_ASSERT_PTR_NULL(leaked(out));
	if (leaked(out) != NULL)
		fprintf(stderr, "sync said: %s\n", out);
	unlink(config);

	/* The pull wrote audit records (orders created), none with a secret. */
	CU_ASSERT(table_clean("audit") > 0);
	CU_ASSERT(table_clean("sync_pass") > 0);
	for (i = 0; i < sizeof logs / sizeof logs[0]; i++)
		table_clean(logs[i]);
}

/* ------------------------------------- secrets: every channel, pushes, token refresh */

/*
 * One simulator playing a Shopee, a Lazada and a TikTok Shop shop, each with secrets of
 * its own. Through the binary: `sync --once`, `sync --daemon` (its log lines on stderr)
 * for a few passes, a token refresh on every shop (the simulator expires the tokens),
 * and `packbench webhooks` receiving signed pushes of each channel (and one with a bad
 * signature) and re-fetching their orders. No secret, nor any refreshed token, is in
 * anything the processes wrote, in the audit trail or in any text column of any table;
 * tokens are expected only in shop_token, their own table.
 */

#define SP_KEY "sec3-sp-partner-key-0a1b"
#define SP_AT "sec3-sp-access-1c2d"
#define SP_RT "sec3-sp-refresh-3e4f"
#define LZ_SECRET "sec3-lz-app-secret-5a6b"
#define LZ_AT "sec3-lz-access-7c8d"
#define LZ_RT "sec3-lz-refresh-9e0f"
#define TT_SECRET "sec3-tt-app-secret-1a2b"
#define TT_AT "sec3-tt-access-3c4d"
#define TT_RT "sec3-tt-refresh-5e6f"

static struct sim sim3;
static struct db *db3;
static char db3file[256], conf3[300];
static char *found_secrets[32];
static size_t nfound;

static void
secret_add(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || nfound == sizeof found_secrets / sizeof found_secrets[0])
		return;
	for (i = 0; i < nfound; i++) {
		if (strcmp(found_secrets[i], s) == 0)
			return;
	}
	found_secrets[nfound++] = strdup(s);
}

/* Which secret of all three shops (the current tokens too) text holds, or NULL. */
static const char *
leaked3(const char *text)
{
	size_t i;

	for (i = 0; text != NULL && i < nfound; i++) {
		if (strstr(text, found_secrets[i]) != NULL)
			return found_secrets[i];
	}
	return NULL;
}

/* Every shop's credentials as the simulator holds them now, into the secrets. */
static void
secrets_from_sim(void)
{
	json_t *shops = sim_ctl(&sim3, "GET", "/_sim/shops", NULL), *sh;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(shops);
	json_array_foreach(json_object_get(shops, "shops"), i, sh) {
		secret_add(json_string_value(json_object_get(sh, "partner_key")));
		secret_add(json_string_value(json_object_get(sh, "app_secret")));
		secret_add(json_string_value(json_object_get(sh, "access_token")));
		secret_add(json_string_value(json_object_get(sh, "refresh_token")));
	}
	json_decref(shops);
}

static int
secrets3_init(void)
{
	/* 36 arguments: what sim_start() passes at most. */
	static const char *args[] = { "--orders", "4", "--skus", NULL,
	    "--shop", "shopee:2000002", "--partner-id", "1000002", "--partner-key", SP_KEY,
	    "--access-token", SP_AT, "--refresh-token", SP_RT,
	    "--shop", "lazada:LZSEC", "--app-key", "lz-app-key-1", "--app-secret", LZ_SECRET,
	    "--access-token", LZ_AT, "--refresh-token", LZ_RT,
	    "--shop", "tiktok:TTSEC", "--app-key", "tt-app-key-1", "--app-secret", TT_SECRET,
	    "--shop-cipher", "TTCIPHER", "--access-token", TT_AT, "--refresh-token", TT_RT,
	    NULL };
	static const char *const given[] = { SP_KEY, SP_AT, SP_RT, LZ_SECRET, LZ_AT, LZ_RT,
	    TT_SECRET, TT_AT, TT_RT };
	struct session sys;
	int64_t wh;
	size_t i;
	FILE *f;

	args[3] = skus_path;
	if (sim_start(&sim3, sim_path, args) != 0)
		return -1;
	if ((db3 = tu_db(db3file)) == NULL)
		return -1;
	session_system(&sys, db3, "test");
	if (sim_stock_db(&sys, skus_path, 1000, &wh) <= 0)
		return -1;
	for (i = 0; i < sizeof given / sizeof given[0]; i++)
		secret_add(given[i]);
	tu_sibling(conf3, sizeof conf3, db3file, ".3.conf");
	if ((f = fopen(conf3, "w")) == NULL)
		return -1;
	chmod(conf3, 0600);
	fprintf(f, "[sync]\ninterval_s = 1\n\n"
	    "[shop \"SP\"]\nchannel = shopee\napi_base = http://127.0.0.1:%u\n"
	    "partner_id = 1000002\npartner_key = " SP_KEY "\nshop_id = 2000002\n"
	    "access_token = " SP_AT "\nrefresh_token = " SP_RT "\n\n"
	    "[shop \"LZSEC\"]\nchannel = lazada\napi_base = http://127.0.0.1:%u\n"
	    "app_key = lz-app-key-1\napp_secret = " LZ_SECRET "\n"
	    "access_token = " LZ_AT "\nrefresh_token = " LZ_RT "\n\n"
	    "[shop \"TTSEC\"]\nchannel = tiktok\napi_base = http://127.0.0.1:%u\n"
	    "app_key = tt-app-key-1\napp_secret = " TT_SECRET "\nshop_cipher = TTCIPHER\n"
	    "access_token = " TT_AT "\nrefresh_token = " TT_RT "\n",
	    sim3.port, sim3.port, sim3.port);
	fclose(f);
	return 0;
}

static int
secrets3_clean(void)
{
	size_t i;

	unlink(conf3);
	for (i = 0; i < nfound; i++)
		free(found_secrets[i]);
	nfound = 0;
	return sim_stop_db(&sim3, db3, db3file);
}

/* packbench --db DB --config CONF ARGS... in the background, stdout and stderr into the
 * file out; its pid. */
static pid_t
spawn(const char *const *args, const char *out)
{
	const char *argv[16];
	size_t n = 0, i;
	pid_t pid;
	int fd;

	argv[n++] = packbench_path;
	argv[n++] = "--db";
	argv[n++] = db3file;
	argv[n++] = "--config";
	argv[n++] = conf3;
	for (i = 0; args[i] != NULL && n + 1 < sizeof argv / sizeof argv[0]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execv(packbench_path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Wait for pid: its exit status, or -1. */
static int
reap(pid_t pid)
{
	int status = 0;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Poll file path until it holds text (at most ms); the file's text (malloc'd) or NULL. */
static char *
wait_text(const char *path, const char *text, int ms)
{
	size_t len;
	char *buf;
	int i;

	for (i = 0; i <= ms / 50; i++) {
		if ((buf = tu_slurp(path, &len)) != NULL && strstr(buf, text) != NULL)
			return buf;
		free(buf);
		usleep(50000);
	}
	return NULL;
}

/* The first order number the simulator's shop code holds. */
static char *
first_order(const char *code)
{
	char path[64];
	json_t *all;
	char *no = NULL;

	snprintf(path, sizeof path, "/_sim/orders?shop=%s", code);
	all = sim_ctl(&sim3, "GET", path, NULL);
	if (all != NULL)
		no = strdup(json_string_value(json_object_get(json_array_get(json_object_get(all,
		    "orders"), 0), "order_sn")));
	json_decref(all);
	return no;
}

static void
test_secrets_all_channels(void)
{
	static const char *const once[] = { "sync", "--once", NULL };
	static const char *const daemon[] = { "sync", "--daemon", NULL };
	static const char *const hooks[] = { "webhooks", "--listen", "127.0.0.1:0", "--refetch",
	    NULL };
	static const char *const codes[][3] = { { "2000002", "shopee", "SP" },
	    { "LZSEC", "lazada", "LZSEC" }, { "TTSEC", "tiktok", "TTSEC" } };
	struct db_stmt *tables, *st;
	char out[300], body[400], *text, *url, *no, *nl;
	const char *s;
	int64_t refreshes0, rows;
	size_t c;
	pid_t pid;
	int i, rc;

	tu_sibling(out, sizeof out, db3file, ".3.out");
	unlink(out);

	/* One pass over the three shops, then the daemon's passes with its log lines. */
	rc = reap(spawn(once, out));
	CU_ASSERT_EQUAL(rc, 0);
	pid = spawn(daemon, out);
	usleep(2500000);
	kill(pid, SIGTERM);
	CU_ASSERT_EQUAL(reap(pid), 0);

	/* Every shop's tokens expire: the next pass refreshes them. */
	refreshes0 = sim_counter(&sim3, "refreshes");
	json_decref(sim_ctl(&sim3, "POST", "/_sim/expire-tokens", "{}"));
	rc = reap(spawn(once, out));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0 && (text = tu_slurp(out, &(size_t){ 0 })) != NULL) {
		fprintf(stderr, "sync after the tokens expired: %s\n", text);
		free(text);
	}
	CU_ASSERT(sim_counter(&sim3, "refreshes") >= refreshes0 + 3);
	secrets_from_sim();
	CU_ASSERT(nfound >= 15);        /* the nine given, six refreshed */

	/* The push receiver: a signed push of each channel and a forged one. */
	pid = spawn(hooks, out);
	text = wait_text(out, "listening on http://", 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	url = strstr(text, "listening on ") + strlen("listening on ");
	if ((nl = strchr(url, '\n')) != NULL)
		*nl = '\0';
	for (c = 0; c < 3; c++) {
		snprintf(body, sizeof body, "{\"url\":\"%s/push/%s/%s\",\"shop\":\"%s\"}", url,
		    codes[c][1], codes[c][2], codes[c][0]);
		json_decref(sim_ctl(&sim3, "POST", "/_sim/webhook", body));
		no = first_order(codes[c][0]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(no);
		snprintf(body, sizeof body, "{\"order_sn\":\"%s\"}", no);
		json_decref(sim_ctl(&sim3, "POST", "/_sim/push", body));
		snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"bad_sign\":true}", no);
		json_decref(sim_ctl(&sim3, "POST", "/_sim/push", body));
		free(no);
	}
	free(text);
	for (i = 0; i < 100 && sim_counter(&sim3, "push_sent") < 6; i++)
		usleep(50000);
	CU_ASSERT(sim_counter(&sim3, "push_sent") >= 6);
	usleep(500000);
	kill(pid, SIGTERM);
	reap(pid);

	/* What the processes wrote. */
	text = tu_slurp(out, &(size_t){ 0 });
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "SP: pulled "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "LZSEC: pulled "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "TTSEC: pulled "));
	if ((s = leaked3(text)) != NULL) {
		fprintf(stderr, "the output holds %s:\n%s\n", s, text);
		CU_FAIL("a secret was written to the output or the log");
	}
	free(text);
	unlink(out);

	/* Every text of every table but the tokens' own. */
	tables = db_prep(db3, "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	    "name <> 'shop_token' ORDER BY name");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tables);
	rows = 0;
	while (db_step(tables) == DB_ROW) {
		char sql[96];

		/* Table names from the schema itself. */
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", db_col_text(tables, 0));
		if ((st = db_prep(db3, sql)) == NULL)
			continue;
		while (db_step(st) == DB_ROW) {
			rows++;
			for (i = 0; i < db_col_count(st); i++) {
				if ((s = leaked3(db_col_text(st, i))) != NULL) {
					fprintf(stderr, "%s.%s holds %s\n", db_col_text(tables, 0),
					    db_col_name(st, i), s);
					CU_FAIL("a secret was written to the database");
				}
			}
		}
		db_done(st);
	}
	db_done(tables);
	CU_ASSERT(rows > 0);
	CU_ASSERT(tu_int(db3, "SELECT count(*) FROM audit", NULL) > 0);
	CU_ASSERT(tu_int(db3, "SELECT count(*) FROM webhook_stat", NULL) > 0);
	/* The refreshed tokens are where they belong. */
	CU_ASSERT(tu_int(db3, "SELECT count(*) FROM shop_token WHERE access_token LIKE "
	    "'sim-at-%'", NULL) == 3);
}

/* ------------------------------------------------------------- role boundaries (core) */

/*
 * Every core function that checks a role, called by every role below the one it needs:
 * refused with DB_EPERM and a message naming the role needed, and the database exactly
 * as it was (every row of every table, the audit log included). Then the lowest role
 * allowed makes the same call and it succeeds. Each entry works on its own order or
 * object, so the entries do not depend on each other's success.
 */

static struct db *rdb;
static char rdbfile[256];
static struct session rsys;
static int64_t r_wh, r_sku;
static char r_dir[256];

/* Order no in status st with one unit of SKU-R, from a Shopee shop (manual orders of
 * one buyer may share a parcel: merge needs them); its id. */
static int64_t
r_order_of(const char *channel, const char *no, enum order_status st)
{
	struct order_line_in line = { "SKU-R", 1, 50000 };
	struct order_in in = {
		.channel = channel, .shop = "shop-r", .order_no = no,
		.created_at = TEST_EPOCH - 3600, .ship_by = TEST_EPOCH + 86400, .status = st,
		.cod = 0, .currency = "VND", .total = 50000, .buyer_name = "Trần Thị B",
		.buyer_phone = "0901234567", .address = "12 Lê Lợi", .district = "Quận 1",
		.province = "Hồ Chí Minh", .lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	if (order_upsert(&rsys, &in, &id, NULL) != 0)
		fprintf(stderr, "order %s: %s\n", no, rsys.err);
	return id;
}

static int64_t
r_order(const char *no, enum order_status st)
{
	return r_order_of("shopee", no, st);
}

static int64_t
r_id(const char *no)
{
	return tu_int(rdb, "SELECT id FROM orders WHERE order_no = ?", no);
}

/* r_import: TEXT written to NAME in the test's directory, imported as KIND. */
static int
r_import(struct session *s, enum import_kind kind, const char *name, const char *text)
{
	struct import_stats st;
	char path[300];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", r_dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return import_file(s, kind, path, &st);
}

static int
roles_init(void)
{
	struct session adm;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	if ((rdb = tu_db(rdbfile)) == NULL)
		return -1;
	tu_dir(rdbfile, r_dir);
	session_system(&rsys, rdb, "T1");
	route_set_auto(0);
	r_wh = tu_warehouse(&rsys, "HCM");
	r_sku = tu_sku(&rsys, "SKU-R", 0);
	if (r_wh <= 0 || r_sku <= 0 ||
	    stock_receive(&rsys, r_wh, r_sku, NULL, 0, 500, "roles fixture") != 0)
		return -1;
	r_order("RB-CONFIRM", ST_NEW);
	r_order("RB-HOLD", ST_NEW);
	r_order("RB-CANCEL", ST_NEW);
	r_order("RB-ALLOC", ST_CONFIRMED);
	r_order("RB-ROUTE", ST_CONFIRMED);
	r_order("RB-BATCH", ST_CONFIRMED);
	r_order("RB-WH", ST_CONFIRMED);
	r_order("RB-CARRIER", ST_CONFIRMED);
	if (order_route(&rsys, r_order("RB-COST", ST_CONFIRMED)) != 0)
		return -1;
	r_order("RB-TOTE", ST_CONFIRMED);
	r_order("RB-PACK", ST_CONFIRMED);
	r_order("RB-RULES", ST_NEW);
	r_order("RB-RECON", ST_CONFIRMED);
	r_order_of("manual", "RB-MERGE1", ST_CONFIRMED);
	r_order_of("manual", "RB-MERGE2", ST_CONFIRMED);
	/* Users the admin actions work on. */
	tu_session(&adm, rdb, ROLE_ADMIN);
	if (user_add(&rsys, "rb-victim", ROLE_PACKER, "4321", NULL) != 0 ||
	    user_add(&rsys, "rb-promote", ROLE_PACKER, "4321", NULL) != 0 ||
	    user_add(&rsys, "rb-locked", ROLE_PACKER, "4321", NULL) != 0 ||
	    purchase_add(&rsys, r_wh, r_sku, 5, TEST_EPOCH + 86400, "PO-RECV", NULL) != 0 ||
	    purchase_add(&rsys, r_wh, r_sku, 5, TEST_EPOCH + 86400, "PO-CANCEL", NULL) != 0 ||
	    risk_block(&rsys, RISK_BLOCK_PHONE, "0900000099", "fixture") != 0)
		return -1;
	(void)adm;
	return 0;
}

static int
roles_clean(void)
{
	route_set_auto(1);
	tu_db_free(rdb, rdbfile);
	return 0;
}

/* FNV-1a over every row of every table (names, values, NULLs), so any write shows. */
static uint64_t
db_fingerprint(struct db *d)
{
	struct db_stmt *tables, *st;
	uint64_t h = 1469598103934665603ULL;
	char sql[160];
	const char *t, *p;
	int i;

	tables = db_prep(d, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tables);
	while (db_step(tables) == DB_ROW) {
		/* Table names come from the schema itself, never from input. */
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", db_col_text(tables, 0));
		if ((st = db_prep(d, sql)) == NULL)
			continue;
		for (p = sql; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		while (db_step(st) == DB_ROW) {
			for (i = 0; i < db_col_count(st); i++) {
				t = db_col_text(st, i);
				for (p = t != NULL ? t : "\x01NULL"; *p; p++)
					h = (h ^ (unsigned char)*p) * 1099511628211ULL;
				h = (h ^ 0x1f) * 1099511628211ULL;
			}
			h = (h ^ 0x1e) * 1099511628211ULL;
		}
		db_done(st);
	}
	db_done(tables);
	return h;
}

/* The guarded calls: each makes one call as session s and returns its status. */

/* A guarded call named name that lists: call fills rows (of type T) and n, then they
 * are freed; the call's status is returned. */
#define LISTING(name, T, call)                                                          \
static int                                                                              \
name(struct session *s)                                                                 \
{                                                                                       \
	T *rows = NULL;                                                                 \
	size_t n = 0;                                                                   \
	int rc = call;                                                                  \
                                                                                        \
	free(rows);                                                                     \
	return rc;                                                                      \
}

static int
a_confirm(struct session *s)
{
	return order_transition(s, r_id("RB-CONFIRM"), 0, ST_CONFIRMED, NULL);
}

static int
a_hold(struct session *s)
{
	return order_transition(s, r_id("RB-HOLD"), 0, ST_ON_HOLD, "address check");
}

static int
a_cancel(struct session *s)
{
	return order_transition(s, r_id("RB-CANCEL"), 0, ST_CANCELLED, "buyer asked");
}

static int
a_allocate(struct session *s)
{
	return order_allocate(s, r_id("RB-ALLOC"), 0);
}

static int
a_route(struct session *s)
{
	return order_route(s, r_id("RB-ROUTE"));
}

static int
a_route_batch(struct session *s)
{
	struct route_batch_stats st;
	int64_t id = r_id("RB-BATCH");

	return route_batch(s, &id, 1, ROUTE_BATCH_RULES, &st);
}

static int
a_set_warehouse(struct session *s)
{
	return route_set_warehouse(s, r_id("RB-WH"), "HCM");
}

static int
a_carrier_override(struct session *s)
{
	return carrier_set_override(s, r_id("RB-CARRIER"), "GHTK", NULL);
}

static int
a_carrier_cost(struct session *s)
{
	return carrier_set_cost(s, r_id("RB-COST"), 22000, "invoice");
}

LISTING(a_carrier_scorecard, struct carrier_score, carrier_scorecard(s,
    TEST_EPOCH - 86400 * 30, TEST_EPOCH + 86400, &rows, &n))

static int
a_tote(struct session *s)
{
	int64_t id = r_id("RB-TOTE");

	return tote_assign(s, "TOTE-R1", &id, 1);
}

static int
a_stock_receive(struct session *s)
{
	return stock_receive(s, r_wh, r_sku, NULL, 0, 7, "received at the dock");
}

static int
a_stock_adjust(struct session *s)
{
	return stock_adjust(s, r_wh, r_sku, NULL, -1, "count found one short");
}

static int
a_set_low(struct session *s)
{
	return inventory_set_low(s, r_sku, 12);
}

static int
a_set_buffer(struct session *s)
{
	return stockpush_set_buffer(s, "SKU-R", 3);
}

static int
a_warehouse(struct session *s)
{
	return warehouse_upsert(s, "HN", "Hà Nội", "Hà Nội", NULL);
}

static int
a_sku(struct session *s)
{
	struct sku_in in = { .sku = "SKU-NEW", .name = "New one", .weight_g = 100,
	    .cost = -1 };

	return sku_upsert(s, &in, NULL);
}

static int
a_purchase_add(struct session *s)
{
	return purchase_add(s, r_wh, r_sku, 4, TEST_EPOCH + 86400 * 3, "PO-NEW", NULL);
}

LISTING(a_purchase_list, struct purchase_row, purchase_list(s, 1, &rows, &n))

static int
a_purchase_receive(struct session *s)
{
	int64_t units = 0;

	return purchase_receive(s, "PO-RECV", NULL, 0, &units);
}

static int
a_purchase_cancel(struct session *s)
{
	return purchase_cancel(s, "PO-CANCEL", "supplier out", NULL);
}

static int
a_rules_load(struct session *s)
{
	static const char text[] = "rule \"flag big\" when total > 99999999 then flag \"big\"\n";

	return rules_store(s, text, strlen(text), NULL);
}

static int
a_rules_apply(struct session *s)
{
	return rules_apply(s, r_id("RB-RULES"));
}

static int
a_risk_block(struct session *s)
{
	return risk_block(s, RISK_BLOCK_ADDRESS, "99 Đường Giả", "fraud ring");
}

static int
a_risk_unblock(struct session *s)
{
	return risk_unblock(s, RISK_BLOCK_PHONE, "0900000099");
}

LISTING(a_risk_list, struct risk_block_row, risk_block_list(s, &rows, &n))

static int
a_sla_board(struct session *s)
{
	struct sla_board b;

	return sla_board(s, NULL, TEST_EPOCH, &b);
}

LISTING(a_sla_queue, struct order_row, sla_queue(s, NULL, NULL, 50, &rows, &n))

LISTING(a_sla_orders, struct order_row, sla_orders(s, NULL, 0, (enum sla_bucket)0,
    TEST_EPOCH, 50, &rows, &n))

LISTING(a_exceptions, struct exc_row, exceptions_list(s, TEST_EPOCH - 86400, TEST_EPOCH,
    &rows, &n))

LISTING(a_inventory, struct inv_row, inventory_list(s, NULL, 0, &rows, &n))

LISTING(a_inventory_lots, struct inv_lot, inventory_lots(s, r_wh, r_sku, &rows, &n))

static int
a_kpi(struct session *s)
{
	struct kpi_opts o = { .from = TEST_EPOCH - 86400 * 7, .to = TEST_EPOCH + 86400,
	    .by = (enum kpi_by)0 };
	struct kpi_report r;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = kpi_run(s, &o, &r)) == 0)
		kpi_report_free(&r);
	return rc;
}

static int
a_recon(struct session *s)
{
	struct recon_fees f;
	struct recon_report r;
	int rc;

	recon_fees_init(&f);
	memset(&r, 0, sizeof r);
	if ((rc = recon_run(s, &f, TEST_EPOCH - 86400 * 7, TEST_EPOCH + 86400, &r)) == 0)
		recon_report_free(&r);
	recon_fees_free(&f);
	return rc;
}

static int
a_forecast(struct session *s)
{
	struct demand_calendar none;
	struct demand_params p;
	struct demand_row *rows = NULL;
	size_t n = 0;
	int rc;

	memset(&none, 0, sizeof none);
	demand_params_default(&p);
	rc = demand_plan(s, NULL, &none, &p, TEST_EPOCH, 0, &rows, &n);
	free(rows);
	return rc;
}

LISTING(a_trail, struct trail_row, trail_list(s, &(struct trail_filter){ .limit = 10 },
    &rows, &n))

static int
a_trail_verify(struct session *s)
{
	int64_t count = 0, bad = 0;
	char msg[256];

	return trail_verify(s, &count, &bad, msg, sizeof msg);
}

LISTING(a_returns_list, struct returns_row, returns_list_open(s, TEST_EPOCH, &rows, &n))

LISTING(a_user_list, struct user_row, user_list(s, &rows, &n))

static int
a_user_add(struct session *s)
{
	return user_add(s, "rb-new", ROLE_SUPERVISOR, "2580", NULL);
}

static int
a_user_passwd(struct session *s)
{
	return user_passwd(s, "rb-victim", "9999");
}

static int
a_user_role(struct session *s)
{
	return user_set_role(s, "rb-promote", ROLE_ADMIN);
}

static int
a_user_unlock(struct session *s)
{
	return user_unlock(s, "rb-locked");
}

static int
a_import_orders(struct session *s)
{
	return r_import(s, IMPORT_ORDERS, "orders.csv", "channel,shop,order_no,created_at,"
	    "ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,"
	    "province,sku,qty,unit_price\nshopee,shop-r,RB-IMPORTED,2025-11-30T08:00:00+07:00,,"
	    "NEW,0,VND,50000,Lê C,0912345678,1 Hai Bà Trưng,,Hà Nội,SKU-R,1,50000\n");
}

static int
a_import_skus(struct session *s)
{
	return r_import(s, IMPORT_SKUS, "skus.csv", "sku,name,barcodes,weight_g,lot_tracked,"
	    "min_shelf_days,cost\nSKU-IMP,Imported,8930000000017,100,0,0,1000\n");
}

static int
a_import_stock(struct session *s)
{
	return r_import(s, IMPORT_STOCK, "stock.csv", "warehouse,sku,lot,expiry,qty\n"
	    "HCM,SKU-R,,,3\n");
}

static int
a_import_settlement(struct session *s)
{
	static char csv[] = "channel,shop,order_no,fee_type,amount\n"
	    "shopee,shop-r,RB-RECON,commission_fee,-2000\n";
	int64_t lines = 0, orders = 0;
	FILE *fp = fmemopen(csv, strlen(csv), "r");
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	rc = recon_import(s, "settle.csv", fp, &lines, &orders);
	fclose(fp);
	return rc;
}

static int
a_start_packing(struct session *s)
{
	return order_start_packing(s, r_id("RB-PACK"), "T1", r_wh);
}

static int
a_merge(struct session *s)
{
	return merge_orders(s, r_id("RB-MERGE1"), r_id("RB-MERGE2"));
}

/* What only the program itself may do (the sync's writes). */
static int
a_market_return(struct session *s)
{
	struct returns_market in;

	memset(&in, 0, sizeof in);
	return returns_market_upsert(s, &in, NULL, NULL);
}

static int
a_finance_store(struct session *s)
{
	struct market_settlement ms;

	memset(&ms, 0, sizeof ms);
	return finance_store(s, r_id("RB-RECON"), &ms, TEST_EPOCH, 0);
}

static int
a_listing_upsert(struct session *s)
{
	static const struct market_listing l = { "SKU-R", "1001", "" };

	return stockpush_listing_upsert(s, "shopee", "shop-r", &l, 1, NULL);
}

struct guarded {
	const char *what;
	enum role min;
	int (*call)(struct session *s);
	int allowed_ok;     /* 1: the lowest allowed role's call must return 0 */
};

static const struct guarded guarded[] = {
	/* supervisor: orders */
	{ "confirm an order", ROLE_SUPERVISOR, a_confirm, 1 },
	{ "hold an order", ROLE_SUPERVISOR, a_hold, 1 },
	{ "cancel an order", ROLE_SUPERVISOR, a_cancel, 1 },
	{ "allocate an order", ROLE_SUPERVISOR, a_allocate, 1 },
	{ "route an order", ROLE_SUPERVISOR, a_route, 1 },
	{ "route a batch", ROLE_SUPERVISOR, a_route_batch, 1 },
	{ "set an order's warehouse", ROLE_SUPERVISOR, a_set_warehouse, 1 },
	{ "set an order's carrier", ROLE_SUPERVISOR, a_carrier_override, 1 },
	{ "record a shipping cost", ROLE_SUPERVISOR, a_carrier_cost, 1 },
	{ "carrier scorecard", ROLE_SUPERVISOR, a_carrier_scorecard, 1 },
	{ "fill a tote", ROLE_SUPERVISOR, a_tote, 1 },
	{ "import orders", ROLE_SUPERVISOR, a_import_orders, 1 },
	/* supervisor: stock on order, rules, blacklist */
	{ "receive stock", ROLE_SUPERVISOR, a_stock_receive, 1 },
	{ "add a purchase", ROLE_SUPERVISOR, a_purchase_add, 1 },
	{ "list purchases", ROLE_SUPERVISOR, a_purchase_list, 1 },
	{ "receive a purchase", ROLE_SUPERVISOR, a_purchase_receive, 1 },
	{ "cancel a purchase", ROLE_SUPERVISOR, a_purchase_cancel, 1 },
	{ "load rules", ROLE_SUPERVISOR, a_rules_load, 1 },
	{ "apply the rules", ROLE_SUPERVISOR, a_rules_apply, 1 },
	{ "block an address", ROLE_SUPERVISOR, a_risk_block, 1 },
	{ "unblock a phone", ROLE_SUPERVISOR, a_risk_unblock, 1 },
	{ "list the blacklist", ROLE_SUPERVISOR, a_risk_list, 1 },
	/* supervisor: screens and reports */
	{ "SLA board", ROLE_SUPERVISOR, a_sla_board, 1 },
	{ "SLA orders", ROLE_SUPERVISOR, a_sla_orders, 1 },
	{ "confirmation queue", ROLE_SUPERVISOR, a_sla_queue, 1 },
	{ "exceptions", ROLE_SUPERVISOR, a_exceptions, 1 },
	{ "inventory", ROLE_SUPERVISOR, a_inventory, 1 },
	{ "inventory lots", ROLE_SUPERVISOR, a_inventory_lots, 1 },
	{ "KPI report", ROLE_SUPERVISOR, a_kpi, 1 },
	{ "reconciliation", ROLE_SUPERVISOR, a_recon, 1 },
	{ "demand forecast", ROLE_SUPERVISOR, a_forecast, 1 },
	{ "audit log", ROLE_SUPERVISOR, a_trail, 1 },
	{ "audit verify", ROLE_SUPERVISOR, a_trail_verify, 1 },
	{ "open returns", ROLE_SUPERVISOR, a_returns_list, 1 },
	{ "list users", ROLE_SUPERVISOR, a_user_list, 1 },
	/* admin */
	{ "add a user", ROLE_ADMIN, a_user_add, 1 },
	{ "set another user's PIN", ROLE_ADMIN, a_user_passwd, 1 },
	{ "change a user's role", ROLE_ADMIN, a_user_role, 1 },
	{ "unlock a user", ROLE_ADMIN, a_user_unlock, 1 },
	{ "adjust stock", ROLE_ADMIN, a_stock_adjust, 1 },
	{ "low-stock threshold", ROLE_ADMIN, a_set_low, 1 },
	{ "stock buffer", ROLE_ADMIN, a_set_buffer, 1 },
	{ "add a warehouse", ROLE_ADMIN, a_warehouse, 1 },
	{ "change the SKU master", ROLE_ADMIN, a_sku, 1 },
	{ "import SKUs", ROLE_ADMIN, a_import_skus, 1 },
	{ "import stock", ROLE_ADMIN, a_import_stock, 1 },
	{ "import settlements", ROLE_ADMIN, a_import_settlement, 1 },
	/* packer: nobody without a role */
	{ "start packing", ROLE_PACKER, a_start_packing, 1 },
	{ "merge orders", ROLE_PACKER, a_merge, 1 },
	/* the program itself: not even an admin (success needs a real marketplace row) */
	{ "record a marketplace return", ROLE_SYSTEM, a_market_return, 0 },
	{ "store a settlement", ROLE_SYSTEM, a_finance_store, 0 },
	{ "record marketplace listings", ROLE_SYSTEM, a_listing_upsert, 0 },
};

static void
test_roles_core(void)
{
	static const enum role roles[] = { ROLE_NONE, ROLE_PACKER, ROLE_SUPERVISOR,
	    ROLE_ADMIN, ROLE_SYSTEM };
	struct session s;
	uint64_t before;
	int64_t audit0;
	char want[64];
	size_t i, r;
	int rc;

	for (i = 0; i < sizeof guarded / sizeof guarded[0]; i++) {
		const struct guarded *g = &guarded[i];

		for (r = 0; roles[r] < g->min; r++) {
			tu_session(&s, rdb, roles[r]);
			before = db_fingerprint(rdb);
			audit0 = tu_int(rdb, "SELECT count(*) FROM audit", NULL);
			rc = g->call(&s);
			snprintf(want, sizeof want, "needs the %s role", role_name(g->min));
			if (rc != DB_EPERM || strstr(s.err, want) == NULL ||
			    strchr(s.err, '\n') != NULL) {
				fprintf(stderr, "%s as %s: %d '%s', wanted DB_EPERM '%s'\n", g->what,
				    role_name(roles[r]), rc, s.err, want);
				CU_FAIL("a lower role was not refused with a clear message");
			}
			CU_ASSERT_EQUAL(tu_int(rdb, "SELECT count(*) FROM audit", NULL), audit0);
			if (db_fingerprint(rdb) != before) {
				fprintf(stderr, "%s as %s changed the database\n", g->what,
				    role_name(roles[r]));
				CU_FAIL("a refused call changed the database");
			}
		}
		if (!g->allowed_ok)
			continue;
		tu_session(&s, rdb, g->min);
		if ((rc = g->call(&s)) != 0) {
			fprintf(stderr, "%s as %s: %d %s\n", g->what, role_name(g->min), rc, s.err);
			CU_FAIL("the allowed role was refused");
		}
	}
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 4, "test_security SIMULATOR SKUS PACKBENCH", &sim_path,
	    &skus_path);
	if (rc != 0)
		return rc;
	packbench_path = argv[3];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	su = CU_add_suite("tls", NULL, NULL);
	CU_add_test(su, "self-signed certificate refused", test_tls_self_signed_refused);
	CU_add_test(su, "https for every real host", test_tls_only_for_real_hosts);
	CU_add_test(su, "every channel's hosts and requests verified", test_tls_every_channel);
	su = CU_add_suite("roles", roles_init, roles_clean);
	CU_add_test(su, "every guarded core call refuses lower roles", test_roles_core);
	su = CU_add_suite("secrets", secrets_init, secrets_clean);
	CU_add_test(su, "never in output, logs or audit", test_secrets_never_written);
	su = CU_add_suite("secrets of every channel", secrets3_init, secrets3_clean);
	CU_add_test(su, "sync, daemon, refresh and pushes keep them", test_secrets_all_channels);
	rc = tu_run();
	curl_global_cleanup();
	return rc;
}
