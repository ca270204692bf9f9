/*
 * test_security.c — the security checks of a marketplace connection, end to end:
 *  - TLS: a loopback https server with a self-signed certificate is refused by the
 *    transport every channel sends through (peer and host verified), while a client
 *    told to trust that certificate reaches it, so the refusal is the verification's;
 *  - secrets: `packbench sync --once` against packbench-marketsim, with a good and then
 *    a wrong partner key, writes none of the shop's secrets (partner key, access and
 *    refresh tokens) to its output, its errors, the audit trail or any table that logs
 *    what the sync did.
 * (Config files with secrets readable by others are refused: test_config.c.)
 *   test_security SIMULATOR SKUS PACKBENCH
 */
#include <CUnit/CUnit.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "market/market.h"
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
	su = CU_add_suite("secrets", secrets_init, secrets_clean);
	CU_add_test(su, "never in output, logs or audit", test_secrets_never_written);
	rc = tu_run();
	curl_global_cleanup();
	return rc;
}
