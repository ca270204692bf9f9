/*
 * fuzz_config.c — libFuzzer target for the configuration file loader (src/app/config.c
 * over inih). The first byte's low bit picks the file's mode (0600, or 0644 which must
 * refuse secrets); the rest is the file, written to a temp file and loaded. Beyond not
 * crashing or leaking: a failure is one line that starts with the file name and never
 * shows a secret value; a success holds only what the loader promises (shops named, of a
 * known channel, with their URLs; counts within their arrays; no secret kept from a file
 * others may read).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void
terminated(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

/* 1 when the value of a secret key of a [shop] in text[0..len) (a whole "key = value"
 * line) shows in msg: a value of 8 to 63 plain characters that the file holds only once
 * and that is none of the loader's own words (a message may name a key: "a tiktok shop
 * needs shop_cipher" shows no secret of "app_secret = shop_cipher = X", a find of the
 * fuzzer). (Elsewhere the same names are no secrets: [carriers] takes any name as a
 * key.) */
static int
leaks(const char *text, size_t len, const char *msg)
{
	static const char *const keys[] = { "access_token", "refresh_token", "partner_key",
	    "app_secret" };
	static const char words[] = " access_token refresh_token partner_key partner_id "
	    "app_secret app_key shop_cipher shop_id api_base auth_base channel shopee lazada "
	    "tiktok manual station warehouse printer scanner routing carriers ";
	const char *p = text, *end = text + len, *nl, *eq, *v, *ve;
	char val[64];
	size_t i, n;
	int shop = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (p < nl && *p == '[')
			shop = nl - p >= 5 && memcmp(p, "[shop", 5) == 0;
		if (!shop)
			continue;
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			n = strlen(keys[i]);
			if ((size_t)(nl - p) > n && memcmp(p, keys[i], n) == 0)
				break;
		}
		if (i == sizeof keys / sizeof keys[0] ||
		    (eq = memchr(p, '=', (size_t)(nl - p))) == NULL)
			continue;
		for (v = eq + 1; v < nl && *v == ' '; v++)
			;
		for (ve = v; ve < nl && ve - v < 63 && (*ve == '-' || *ve == '_' ||
		    (*ve >= '0' && *ve <= '9') || (*ve >= 'A' && *ve <= 'Z') ||
		    (*ve >= 'a' && *ve <= 'z')); ve++)
			;
		if (ve - v < 8 || (ve < nl && *ve != '\r' && *ve != ' '))
			continue;
		memcpy(val, v, (size_t)(ve - v));
		val[ve - v] = '\0';
		if (strstr(words, val) != NULL || memmem(text, len, val, strlen(val)) != v ||
		    memmem(v + 1, (size_t)(end - v - 1), val, strlen(val)) != NULL)
			continue;           /* written more than once: it may show for another key */
		if (strstr(msg, val) != NULL)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[1024];
	mode_t mode;
	size_t i;
	FILE *fp;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "/tmp/pbfuzz-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof path, "%s/packbench.conf", dir);
		atexit(cleanup);
	}
	mode = data[0] & 1 ? 0644 : 0600;
	unlink(path);
	if ((fp = fopen(path, "wb")) == NULL || fwrite(data + 1, 1, size - 1, fp) != size - 1 ||
	    fclose(fp) != 0 || chmod(path, mode) != 0)
		abort();
	err[0] = '\0';
	rc = config_load(&cfg, path, err, sizeof err);
	if (rc == -1) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL ||
		    strncmp(err, path, strlen(path)) != 0 || cfg.nshops != 0 || cfg.path != NULL)
			abort();
		if (leaks((const char *)data + 1, size - 1, err)) {
			fprintf(stderr, "a secret shows in: %s\n", err);
			abort();
		}
		config_free(&cfg);
		return 0;
	}
	if (rc != 0 || cfg.path == NULL || strcmp(cfg.path, path) != 0)
		abort();
	terminated(cfg.station.id, sizeof cfg.station.id);
	terminated(cfg.station.warehouse, sizeof cfg.station.warehouse);
	terminated(cfg.station.printer, sizeof cfg.station.printer);
	terminated(cfg.station.scale, sizeof cfg.station.scale);
	terminated(cfg.station.scanner, sizeof cfg.station.scanner);
	terminated(cfg.station.utc_offset, sizeof cfg.station.utc_offset);
	terminated(cfg.carrier_rates, sizeof cfg.carrier_rates);
	if (cfg.nboxes < 0 || cfg.nboxes > CONFIG_MAX_BOXES || cfg.ncarriers < 0 ||
	    cfg.ncarriers > SLA_MAX_CARRIERS)
		abort();
	for (i = 0; i < (size_t)cfg.nboxes; i++) {
		terminated(cfg.boxes[i].name, sizeof cfg.boxes[i].name);
		terminated(cfg.boxes[i].barcode, sizeof cfg.boxes[i].barcode);
	}
	for (i = 0; i < cfg.nshops; i++) {
		const struct config_shop *sh = &cfg.shops[i];

		if (sh->name == NULL || sh->channel >= CONFIG_NCHANNELS || sh->api_base == NULL ||
		    sh->auth_base == NULL || config_shop(&cfg, sh->name) == NULL)
			abort();
		if (mode != 0600 && (sh->access_token != NULL || sh->refresh_token != NULL ||
		    sh->partner_key != NULL || sh->app_secret != NULL)) {
			fprintf(stderr, "secrets taken from a file others may read\n");
			abort();
		}
	}
	config_free(&cfg);
	if (cfg.path != NULL || cfg.shops != NULL || cfg.nshops != 0)
		abort();
	return 0;
}
