/* test_config.c — the configuration file: defaults, a full file, every error class with
 * its FILE:LINE message, the secret-permission rule, and secrets kept out of messages. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/app/cmd.h"
#include "../../src/app/config.h"
#include "testutil.h"

#define SECRET "SUPERSECRET-0xDEADBEEF-0123456789"  /* secrets are 32+ long */

static char dir[64];
static int nfiles;

/* Write text to a new file in the test directory with the given mode; path in out. */
static void
conf_write(char *out, size_t len, const char *text, mode_t mode)
{
	FILE *fp;

	snprintf(out, len, "%s/c%d.conf", dir, nfiles++);
	fp = fopen(out, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	CU_ASSERT_FATAL(chmod(out, mode) == 0);
}

/* Load text from a 0600 file; 0 or -1 with the error's text after "PATH:" in err. */
static int
conf_try(const char *text, mode_t mode, struct config *cfg, char *err, size_t errlen)
{
	char path[128], full[1024];
	size_t n;
	int rc;

	conf_write(path, sizeof path, text, mode);
	full[0] = '\0';
	rc = config_load(cfg, path, full, sizeof full);
	n = strlen(path);
	if (rc != 0) {
		CU_ASSERT(strncmp(full, path, n) == 0 && full[n] == ':');
		CU_ASSERT(strchr(full, '\n') == NULL);
		CU_ASSERT(strstr(full, SECRET) == NULL);
		snprintf(err, errlen, "%s", strncmp(full, path, n) == 0 ? full + n + 1 : full);
	}
	return rc;
}

static int
suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/pbconf-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_defaults(void)
{
	struct config cfg;
	char err[512], home[128], xdg[256], path[320];
	FILE *fp;

	config_defaults(&cfg);
	CU_ASSERT_STRING_EQUAL(cfg.station.id, "ST1");
	CU_ASSERT_STRING_EQUAL(cfg.station.warehouse, "");
	CU_ASSERT_STRING_EQUAL(cfg.station.printer, "sim");
	CU_ASSERT_STRING_EQUAL(cfg.station.scale, "sim");
	CU_ASSERT_STRING_EQUAL(cfg.station.scanner, "keyboard");
	CU_ASSERT_EQUAL(cfg.station.weight_tolerance_g, 50);
	CU_ASSERT_EQUAL(cfg.station.weight_tolerance_pct, 5);
	CU_ASSERT_EQUAL(cfg.station.auto_confirm, 0);
	CU_ASSERT_EQUAL(cfg.station.label_dpi, 203);
	CU_ASSERT_STRING_EQUAL(cfg.station.utc_offset, "+07:00");
	CU_ASSERT_EQUAL(cfg.station.utc_offset_min, 420);
	CU_ASSERT_EQUAL(cfg.sync.interval_s, 60);
	CU_ASSERT_EQUAL(cfg.sync.rate_limit_per_s, 10);
	CU_ASSERT_EQUAL(cfg.sync.outbox_retry_max_s, 300);
	CU_ASSERT_EQUAL(cfg.nshops, 0);
	CU_ASSERT_EQUAL(cfg.nboxes, 0);
	CU_ASSERT_PTR_NULL(cfg.path);
	/* The larger of 50 g and 5 %. */
	CU_ASSERT_EQUAL(config_weight_tolerance_g(&cfg, 400), 50);
	CU_ASSERT_EQUAL(config_weight_tolerance_g(&cfg, 2000), 100);

	/* No default file: defaults, no error. */
	snprintf(home, sizeof home, "%s/home", dir);
	CU_ASSERT_FATAL(mkdir(home, 0700) == 0);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	CU_ASSERT_EQUAL(config_default_path(path, sizeof path), 0);
	snprintf(xdg, sizeof xdg, "%s/.config/packbench/packbench.conf", home);
	CU_ASSERT_STRING_EQUAL(path, xdg);
	CU_ASSERT_EQUAL(config_load(&cfg, NULL, err, sizeof err), 0);
	CU_ASSERT_PTR_NULL(cfg.path);
	CU_ASSERT_STRING_EQUAL(cfg.station.id, "ST1");
	config_free(&cfg);

	/* $XDG_CONFIG_HOME/packbench/packbench.conf is read when there. */
	snprintf(xdg, sizeof xdg, "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	CU_ASSERT_FATAL(mkdir(xdg, 0700) == 0);
	snprintf(path, sizeof path, "%s/packbench", xdg);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	snprintf(path, sizeof path, "%s/packbench/packbench.conf", xdg);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("[station]\nid = XDG\n", fp);
	fclose(fp);
	CU_ASSERT_EQUAL(config_load(&cfg, NULL, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.station.id, "XDG");
	CU_ASSERT_STRING_EQUAL(cfg.path, path);
	config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.path);

	/* A relative XDG_CONFIG_HOME is ignored, as the spec says. */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	CU_ASSERT_EQUAL(config_default_path(path, sizeof path), 0);
	CU_ASSERT(strncmp(path, home, strlen(home)) == 0);
	unsetenv("XDG_CONFIG_HOME");
}

static const char full_conf[] =
	"\xef\xbb\xbf# a full configuration\n"
	"; with comments of both kinds\n"
	"[station]\n"
	"id = PACK-2\n"
	"warehouse = HCM\n"
	"printer = tcp://10.0.0.9:9100\n"
	"scale = usb:0922:8003\n"
	"scanner = hid:/dev/input/event3\n"
	"weight_tolerance_g = 30\n"
	"weight_tolerance_pct = 3   ; inline comment\n"
	"auto_confirm = yes\n"
	"label_dpi = 300\n"
	"utc_offset = -03:30\n"
	"\n"
	"[shop \"Shopee Main\"]\n"
	"channel = shopee\n"
	"api_base = http://127.0.0.1:8088/\n"
	"partner_id = 2001001\n"
	"partner_key = " SECRET "\n"
	"shop_id = 3001001\n"
	"access_token = tok-a\n"
	"warehouse = HN\n"
	"[shop \"Lazada VN\"]\n"
	"channel = lazada\n"
	"app_key = 100001\n"
	"app_secret = lz-secret\n"
	"[shop \"TikTok\"]\n"
	"  channel = tiktok\n"
	"  api_base = https://sim.example:8443/tt\n"
	"  auth_base = https://auth.example\n"
	"  app_key = ttkey\n"
	"  app_secret = tt-secret\n"
	"  shop_cipher = CIPH\n"
	"  refresh_token = tok-r\n"
	"[sync]\n"
	"interval_s = 15\n"
	"rate_limit_per_s = 4\n"
	"outbox_retry_max_s = 600\n"
	"[boxes]\n"
	"S = 40, 20x15x10, BOX-S\n"
	"M = 90,30x20x15\n"
	"Env_A4 = 5 , 32X23X1 , ENV-A4\n";

static void
test_full(void)
{
	const struct config_shop *sh;
	struct config cfg;
	char err[512];

	err[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(conf_try(full_conf, 0600, &cfg, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.station.id, "PACK-2");
	CU_ASSERT_STRING_EQUAL(cfg.station.warehouse, "HCM");
	CU_ASSERT_STRING_EQUAL(cfg.station.printer, "tcp://10.0.0.9:9100");
	CU_ASSERT_STRING_EQUAL(cfg.station.scale, "usb:0922:8003");
	CU_ASSERT_STRING_EQUAL(cfg.station.scanner, "hid:/dev/input/event3");
	CU_ASSERT_EQUAL(cfg.station.weight_tolerance_g, 30);
	CU_ASSERT_EQUAL(cfg.station.weight_tolerance_pct, 3);
	CU_ASSERT_EQUAL(cfg.station.auto_confirm, 1);
	CU_ASSERT_EQUAL(cfg.station.label_dpi, 300);
	CU_ASSERT_STRING_EQUAL(cfg.station.utc_offset, "-03:30");
	CU_ASSERT_EQUAL(cfg.station.utc_offset_min, -210);
	CU_ASSERT_EQUAL(cfg.sync.interval_s, 15);
	CU_ASSERT_EQUAL(cfg.sync.rate_limit_per_s, 4);
	CU_ASSERT_EQUAL(cfg.sync.outbox_retry_max_s, 600);
	CU_ASSERT_EQUAL_FATAL(cfg.nshops, 3);

	sh = config_shop(&cfg, "Shopee Main");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
	CU_ASSERT_EQUAL(sh->channel, CONFIG_SHOPEE);
	CU_ASSERT_STRING_EQUAL(config_channel_name(sh->channel), "shopee");
	CU_ASSERT_STRING_EQUAL(sh->api_base, "http://127.0.0.1:8088");
	CU_ASSERT_STRING_EQUAL(sh->auth_base, "http://127.0.0.1:8088");
	CU_ASSERT_EQUAL(sh->partner_id, 2001001);
	CU_ASSERT_STRING_EQUAL(sh->partner_key, SECRET);
	CU_ASSERT_EQUAL(sh->shop_id, 3001001);
	CU_ASSERT_STRING_EQUAL(sh->access_token, "tok-a");
	CU_ASSERT_PTR_NULL(sh->refresh_token);
	CU_ASSERT_STRING_EQUAL(sh->warehouse, "HN");
	CU_ASSERT_EQUAL(sh->line, 15);

	/* No api_base: the platform's own hosts. */
	sh = config_shop(&cfg, "Lazada VN");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
	CU_ASSERT_EQUAL(sh->channel, CONFIG_LAZADA);
	CU_ASSERT_STRING_EQUAL(sh->api_base, "https://api.lazada.vn/rest");
	CU_ASSERT_STRING_EQUAL(sh->auth_base, "https://auth.lazada.com/rest");
	CU_ASSERT_STRING_EQUAL(sh->app_key, "100001");
	CU_ASSERT_STRING_EQUAL(sh->app_secret, "lz-secret");
	CU_ASSERT_PTR_NULL(sh->warehouse);

	sh = config_shop(&cfg, "TikTok");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
	CU_ASSERT_EQUAL(sh->channel, CONFIG_TIKTOK);
	CU_ASSERT_STRING_EQUAL(sh->api_base, "https://sim.example:8443/tt");
	CU_ASSERT_STRING_EQUAL(sh->auth_base, "https://auth.example");
	CU_ASSERT_STRING_EQUAL(sh->shop_cipher, "CIPH");
	CU_ASSERT_STRING_EQUAL(sh->refresh_token, "tok-r");
	CU_ASSERT_PTR_NULL(config_shop(&cfg, "tiktok"));

	CU_ASSERT_EQUAL_FATAL(cfg.nboxes, 3);
	CU_ASSERT_STRING_EQUAL(cfg.boxes[0].name, "S");
	CU_ASSERT_EQUAL(cfg.boxes[0].tare_g, 40);
	CU_ASSERT_EQUAL(cfg.boxes[0].l_cm, 20);
	CU_ASSERT_EQUAL(cfg.boxes[0].w_cm, 15);
	CU_ASSERT_EQUAL(cfg.boxes[0].h_cm, 10);
	CU_ASSERT_STRING_EQUAL(cfg.boxes[0].barcode, "BOX-S");
	CU_ASSERT_STRING_EQUAL(cfg.boxes[1].name, "M");
	CU_ASSERT_STRING_EQUAL(cfg.boxes[1].barcode, "");
	CU_ASSERT_EQUAL(cfg.boxes[1].h_cm, 15);
	CU_ASSERT_STRING_EQUAL(cfg.boxes[2].name, "Env_A4");
	CU_ASSERT_EQUAL(cfg.boxes[2].tare_g, 5);
	CU_ASSERT_EQUAL(cfg.boxes[2].h_cm, 1);
	CU_ASSERT_STRING_EQUAL(cfg.boxes[2].barcode, "ENV-A4");
	config_free(&cfg);
	CU_ASSERT_EQUAL(cfg.nshops, 0);
	CU_ASSERT_PTR_NULL(cfg.shops);
}

static const struct {
	const char *text;
	const char *err;            /* after "PATH:" */
} bad[] = {
	/* unknown section, also an empty one and one at the end */
	{ "[station]\nid = A\n# c\n[stationn]\nid = B\n",
	  "4: [stationn]: unknown section (station, shop \"NAME\", sync or boxes)" },
	{ "[station]\n[Boxes]\n",
	  "2: [Boxes]: unknown section (station, shop \"NAME\", sync or boxes)" },
	{ "[shop A]\nchannel = lazada\n",
	  "1: [shop A]: write a shop section as [shop \"NAME\"]" },
	{ "[station] junk\n", "1: [station]: text after the section header" },
	{ "[station]\nid = A\n[station]\n", "3: [station]: section repeated (first on line 1)" },
	{ "[shop \"A\"]\nchannel = lazada\napp_key = k\napp_secret = s\n[shop \"A\"]\n",
	  "5: [shop \"A\"]: shop repeated (first on line 1)" },
	/* unknown key */
	{ "[station]\n\nprintr = sim\n",
	  "3: [station] printr: unknown key (did you mean printer?)" },
	{ "[sync]\nfrobnicate = 1\n", "2: [sync] frobnicate: unknown key" },
	{ "id = ST1\n", "1: id: outside any section ([station], [shop \"NAME\"], [sync] or "
	  "[boxes])" },
	{ "[station]\nid = A\nid = B\n", "3: [station] id: set twice (first on line 2)" },
	{ "[station]\nid =\n", "2: [station] id: no value (leave the line out for the "
	  "default)" },
	{ "[station]\njust some words\n", "2: expected [section] or key = value" },
	{ "[station\nid = A\n", "1: expected [section] or key = value" },
	/* bad integer */
	{ "[sync]\ninterval_s = 10s\n", "2: [sync] interval_s: '10s' is not a whole number" },
	{ "[sync]\ninterval_s = +5\n", "2: [sync] interval_s: '+5' is not a whole number" },
	{ "[sync]\ninterval_s = 99999999999999999999\n",
	  "2: [sync] interval_s: '99999999999999999999' is not a whole number" },
	{ "[sync]\ninterval_s = 0\n", "2: [sync] interval_s: 0 is not between 1 and 86400" },
	{ "[station]\nweight_tolerance_pct = 101\n",
	  "2: [station] weight_tolerance_pct: 101 is not between 0 and 100" },
	{ "[station]\nlabel_dpi = 600\n", "2: [station] label_dpi: '600' is not 203 or 300" },
	{ "[station]\nutc_offset = +7\n", "2: [station] utc_offset: '+7' is not an offset "
	  "from UTC like +07:00 (-12:00 to +14:00)" },
	{ "[station]\nutc_offset = +15:00\n", "2: [station] utc_offset: '+15:00' is not an "
	  "offset from UTC like +07:00 (-12:00 to +14:00)" },
	{ "[station]\nid = 0123456789012345678901234567890123\n",
	  "2: [station] id: longer than 31 characters" },
	/* bad bool */
	{ "[station]\nauto_confirm = maybe\n",
	  "2: [station] auto_confirm: 'maybe' is not true, false, yes, no, 1 or 0" },
	{ "[station]\nauto_confirm = on\n",
	  "2: [station] auto_confirm: 'on' is not true, false, yes, no, 1 or 0" },
	/* devices */
	{ "[station]\nprinter = lpt1\n", "2: [station] printer: device 'lpt1': unknown kind "
	  "(want usb:, hid:, tty:, tcp://, cups:, file: or sim)" },
	{ "[station]\nscanner = usb:zz:1\n", "2: [station] scanner: device 'usb:zz:1': "
	  "expected usb:VID:PID[:SERIAL] with hex ids or keyboard" },
	/* unknown channel */
	{ "[shop \"A\"]\nchannel = ebay\n",
	  "2: [shop \"A\"] channel: 'ebay' is not shopee, lazada or tiktok" },
	{ "[shop \"A\"]\napi_base = http://x\n",
	  "1: [shop \"A\"]: no channel (shopee, lazada or tiktok)" },
	{ "[shop \"A\"]\n[sync]\n", "1: [shop \"A\"]: no channel (shopee, lazada or tiktok)" },
	/* missing channel keys, named; keys of another channel */
	{ "[shop \"A\"]\nchannel = shopee\npartner_id = 1\n[sync]\n",
	  "1: [shop \"A\"]: a shopee shop needs partner_key, shop_id" },
	{ "# x\n[shop \"B\"]\nchannel = tiktok\napp_key = k\n",
	  "2: [shop \"B\"]: a tiktok shop needs app_secret, shop_cipher" },
	{ "[shop \"A\"]\napp_key = k\nchannel = lazada\npartner_id = 5\napp_secret = s\n",
	  "4: [shop \"A\"] partner_id: not a key of lazada shops" },
	{ "[shop \"A\"]\nchannel = shopee\npartner_id = 0\n",
	  "3: [shop \"A\"] partner_id: 0 is less than 1" },
	{ "[shop \"A\"]\nchanel = shopee\n",
	  "2: [shop \"A\"] chanel: unknown key (did you mean channel?)" },
	/* bad api_base */
	{ "[shop \"A\"]\nchannel = lazada\napi_base = ftp://x\n",
	  "3: [shop \"A\"] api_base: 'ftp://x' is not an http:// or https:// URL" },
	{ "[shop \"A\"]\nchannel = lazada\napi_base = 127.0.0.1:8088\n",
	  "3: [shop \"A\"] api_base: '127.0.0.1:8088' is not an http:// or https:// URL" },
	{ "[shop \"A\"]\nchannel = lazada\nauth_base = https://\n",
	  "3: [shop \"A\"] auth_base: 'https://' is not an http:// or https:// URL" },
	/* bad box spec */
	{ "[boxes]\nS = 40, 20x15\n", "2: [boxes] S: '40, 20x15' is not TARE_G, "
	  "LxWxH_cm[, BARCODE] as in 40, 20x15x10, BOX-S" },
	{ "[boxes]\nS = -1, 20x15x10\n", "2: [boxes] S: '-1, 20x15x10' is not TARE_G, "
	  "LxWxH_cm[, BARCODE] as in 40, 20x15x10, BOX-S" },
	{ "[boxes]\nS = 40, 20x15x10,\n", "2: [boxes] S: '40, 20x15x10,' is not TARE_G, "
	  "LxWxH_cm[, BARCODE] as in 40, 20x15x10, BOX-S" },
	{ "[boxes]\nS = 40, 20x15x10, A, B\n", "2: [boxes] S: '40, 20x15x10, A, B' is not "
	  "TARE_G, LxWxH_cm[, BARCODE] as in 40, 20x15x10, BOX-S" },
	{ "[boxes]\nS = 40, 20x15x10, BOX S\n", "2: [boxes] S: '40, 20x15x10, BOX S' is not "
	  "TARE_G, LxWxH_cm[, BARCODE] as in 40, 20x15x10, BOX-S" },
	{ "[boxes]\nS = 40, 20x15x10\nS = 41, 20x15x10\n",
	  "3: [boxes] S: set twice (first on line 2)" },
	{ "[boxes]\nS = 40, 20x15x10, X\nM = 41, 20x15x10, X\n",
	  "3: [boxes] M: barcode X is box S's already" },
	{ "[boxes]\nS.1 = 40, 20x15x10\n",
	  "2: [boxes] S.1: a box name is 1 to 15 letters, digits, - or _" },
	{ "[boxes]\n1=1,1x1x1\n2=1,1x1x1\n3=1,1x1x1\n4=1,1x1x1\n5=1,1x1x1\n6=1,1x1x1\n"
	  "7=1,1x1x1\n8=1,1x1x1\n9=1,1x1x1\n10=1,1x1x1\n",
	  "11: [boxes] 10: more than 9 box types (the pack screen picks them with keys 1 to 9)" },
};

static void
test_errors(void)
{
	struct config cfg;
	char err[1024];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(conf_try(bad[i].text, 0600, &cfg, err, sizeof err), -1);
		if (strcmp(err, bad[i].err) != 0) {
			fprintf(stderr, "\ncase %zu:\n  got  %s\n  want ", i, err);
			fputs(bad[i].err, stderr);
			fputc('\n', stderr);
		}
		CU_ASSERT_STRING_EQUAL(err, bad[i].err);
		/* A failed load leaves the defaults and owns nothing. */
		CU_ASSERT_EQUAL(cfg.nshops, 0);
		CU_ASSERT_PTR_NULL(cfg.path);
		CU_ASSERT_STRING_EQUAL(cfg.station.id, "ST1");
		config_free(&cfg);
	}
}

/* A token longer than inih's usual 200-byte line fits; a line past the buffer does not. */
static void
test_long_lines(void)
{
	struct config cfg;
	char err[512], *text;
	size_t n = 6000;

	text = malloc(n + 200);
	CU_ASSERT_FATAL(text != NULL);
	snprintf(text, n + 200, "[shop \"T\"]\nchannel = lazada\napp_key = k\napp_secret = s\n"
	    "access_token = %03000d\n", 7);
	CU_ASSERT_EQUAL(conf_try(text, 0600, &cfg, err, sizeof err), 0);
	CU_ASSERT_EQUAL(strlen(config_shop(&cfg, "T")->access_token), 3000);
	config_free(&cfg);
	snprintf(text, n + 200, "[station]\n# %05000d\nid = A\n", 7);
	CU_ASSERT_EQUAL(conf_try(text, 0600, &cfg, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "2: line longer than 4094 characters");
	free(text);
}

static const char secret_conf[] =
	"[shop \"A\"]\nchannel = lazada\napp_key = k\napp_secret = " SECRET "\n";

static void
test_secret_mode(void)
{
	struct config cfg;
	char path[128], err[1024], want[512];

	conf_write(path, sizeof path, secret_conf, 0644);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: contains secrets but is readable by others "
	    "(mode 0644); chmod 600 %s", path, path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT(strstr(err, SECRET) == NULL);

	CU_ASSERT_FATAL(chmod(path, 0640) == 0);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof err), -1);
	CU_ASSERT(strstr(err, "(mode 0640)") != NULL);
	CU_ASSERT_FATAL(chmod(path, 0604) == 0);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof err), -1);

	CU_ASSERT_FATAL(chmod(path, 0600) == 0);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(config_shop(&cfg, "A")->app_secret, SECRET);
	config_free(&cfg);
	CU_ASSERT_FATAL(chmod(path, 0400) == 0);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof err), 0);
	config_free(&cfg);

	/* Without secrets a world-readable file is fine. */
	CU_ASSERT_EQUAL(conf_try("[station]\nid = A\n[shop \"A\"]\nchannel = lazada\n"
	    "app_key = k\n# app_secret = " SECRET "\n", 0644, &cfg, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "3: [shop \"A\"]: a lazada shop needs app_secret");
	CU_ASSERT_EQUAL(conf_try("[station]\nid = A\n[boxes]\nS = 1, 1x1x1\n", 0644, &cfg,
	    err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.station.id, "A");
	config_free(&cfg);
}

static void
test_missing(void)
{
	struct config cfg;
	char path[160], err[512], want[512];

	snprintf(path, sizeof path, "%s/no-such.conf", dir);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(config_load(&cfg, dir, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not a regular file", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
}

/* No message ever carries a secret value, whatever is wrong around it. */
static void
test_secret_never_shown(void)
{
	static const char *const texts[] = {
		"[shop \"A\"]\nchannel = shopee\npartner_kye = " SECRET "\n",
		"[shop \"A\"]\nchannel = shopee\n" SECRET "\n",
		"[shop \"A\"]\nchannel = shopee\npartner_key = " SECRET "\npartner_key = "
		    SECRET "\n",
		"[shop \"A\"]\nchannel = lazada\napp_key = k\napp_secret = " SECRET
		    "\npartner_key = " SECRET "\n",
		"[shop \"A\"]\nchannel = shopee\naccess_token = " SECRET "\n",
		"[station]\n" SECRET " = x\n",
		"[" SECRET "\n",
		"[" SECRET "]\n",
		"[boxes]\n" SECRET " = 1, 1x1x1\n",
		SECRET " = 1\n",
	};
	struct config cfg;
	char err[1024];
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(conf_try(texts[i], 0600, &cfg, err, sizeof err), -1);
		CU_ASSERT(err[0] != '\0');
		CU_ASSERT(strstr(err, SECRET) == NULL);
		CU_ASSERT(strstr(err, "DEADBEEF") == NULL);
	}
	/* And the error after a secret still has the right line. */
	conf_try(texts[3], 0600, &cfg, err, sizeof err);
	CU_ASSERT_STRING_EQUAL(err, "5: [shop \"A\"] partner_key: not a key of lazada shops");
	CU_ASSERT_EQUAL(conf_try(secret_conf, 0644, &cfg, err, sizeof err), -1);
	conf_try(texts[5], 0600, &cfg, err, sizeof err);
	CU_ASSERT_STRING_EQUAL(err, "2: [station]: a key of 33 characters that is not known "
	    "(not shown, in case it is a secret)");
}

/* cmd_config loads --config and reports the error itself. */
static void
test_cmd_config(void)
{
	struct cmd_ctx c;
	struct config cfg;
	char path[128];

	memset(&c, 0, sizeof c);
	conf_write(path, sizeof path, "[station]\nid = CMD\n", 0600);
	c.config_path = path;
	CU_ASSERT_EQUAL(cmd_config(&c, &cfg), 0);
	CU_ASSERT_STRING_EQUAL(cfg.station.id, "CMD");
	config_free(&cfg);
	conf_write(path, sizeof path, secret_conf, 0644);
	c.config_path = path;
	CU_ASSERT_EQUAL(cmd_config(&c, &cfg), EXIT_FAIL);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("config", suite_init, suite_clean);
	CU_add_test(s, "defaults and the default path", test_defaults);
	CU_add_test(s, "a full valid file", test_full);
	CU_add_test(s, "errors with FILE:LINE", test_errors);
	CU_add_test(s, "long lines", test_long_lines);
	CU_add_test(s, "secrets need mode 0600", test_secret_mode);
	CU_add_test(s, "missing explicit file", test_missing);
	CU_add_test(s, "secrets never in messages", test_secret_never_shown);
	CU_add_test(s, "cmd_config", test_cmd_config);
	return tu_run();
}
