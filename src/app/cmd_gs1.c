/*
 * cmd_gs1.c — `packbench gs1 TEXT`: what a scan says. Its symbology (the AIM id it
 * starts with), each GS1 element (AI, data title, value, what the value means, check
 * digit), or for a plain barcode its check digit. In TEXT, <GS> or \x1d stands for the
 * FNC1 separator a shell cannot type; --fnc1 C names the substitute a scanner was set to
 * send instead. Exit 1 when the scan is malformed or a check digit is wrong.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/gs1.h"

int cmd_gs1_run(struct cmd_ctx *c);

static const struct {
	const char *id, *name;
} cmd_gs1_symbologies[] = {
	{ "]C0", "Code 128" }, { "]C1", "GS1-128" }, { "]d1", "Data Matrix" },
	{ "]d2", "GS1 DataMatrix" }, { "]Q1", "QR Code" }, { "]Q3", "GS1 QR Code" },
	{ "]e0", "GS1 DataBar" }, { "]E0", "EAN-13 / UPC-A" }, { "]E4", "EAN-8" },
	{ "]J1", "GS1 DotCode" }, { "]A0", "Code 39" }, { "]I0", "Interleaved 2 of 5" },
};

static const char *
cmd_gs1_symbology(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof cmd_gs1_symbologies / sizeof cmd_gs1_symbologies[0]; i++) {
		if (strcmp(cmd_gs1_symbologies[i].id, id) == 0)
			return cmd_gs1_symbologies[i].name;
	}
	return id[0] != '\0' ? "unknown symbology" : "none (no AIM identifier)";
}

/* TEXT with <GS> and \x1d turned into GS; NULL when it does not fit. */
static char *
cmd_gs1_unescape(const char *in)
{
	size_t n = strlen(in), o = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	while (*in != '\0') {
		if (strncmp(in, "<GS>", 4) == 0 || strncmp(in, "\\x1d", 4) == 0 ||
		    strncmp(in, "\\x1D", 4) == 0) {
			out[o++] = GS1_GS;
			in += 4;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
	return out;
}

/* What an element's value means, for people. */
static void
cmd_gs1_decoded(const struct gs1 *g, const struct gs1_elem *e, char *buf, size_t len)
{
	int64_t t = 0;

	buf[0] = '\0';
	if (strcmp(e->ai, "17") == 0)
		t = g->expiry;
	else if (strcmp(e->ai, "15") == 0)
		t = g->best_before;
	else if (strcmp(e->ai, "11") == 0)
		t = g->produced;
	if (t != 0) {
		char when[32];

		clock_format(t, 0, when, sizeof when);
		snprintf(buf, len, "%.10s%s", when, strcmp(e->value + 4, "00") == 0 ?
		    " (end of month)" : "");
	} else if (strncmp(e->ai, "310", 3) == 0 && strlen(e->value) == 6) {
		/* six digits, the AI's last digit of them after the decimal point */
		size_t dec = (size_t)(e->ai[3] - '0'), lead = 0;

		while (lead + 1 < 6 - dec && e->value[lead] == '0')
			lead++;
		snprintf(buf, len, "%.*s%s%.*s kg", (int)(6 - dec - lead), e->value + lead,
		    dec ? "." : "", (int)dec, e->value + 6 - dec);
	} else if (strcmp(e->ai, "30") == 0 || strcmp(e->ai, "37") == 0) {
		snprintf(buf, len, "%ld units", strtol(e->value, NULL, 10));
	}
}

static const char *
cmd_gs1_check(int checked)
{
	return checked > 0 ? "ok" : checked < 0 ? "wrong" : "";
}

static void
cmd_gs1_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* A plain barcode: its check digit when it is an EAN/UPC/GTIN; "" otherwise. */
static const char *
cmd_gs1_plain(const char *code, const char **kind)
{
	size_t n = strlen(code);
	int rc = gs1_check_digit(code);

	*kind = n == 13 ? "EAN-13" : n == 12 ? "UPC-A" : n == 8 ? "EAN-8" : n == 14 ?
	    "GTIN-14" : "";
	if (rc < 0 || (*kind)[0] == '\0')
		return "";
	return rc ? "ok" : "wrong";
}

int
cmd_gs1_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "fnc1", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "ai", 0 }, { "title", 0 }, { "value", 0 }, { "decoded", 0 }, { "check", 0 },
	};
	const char *plain_check = "", *kind = "", *code;
	char err[256] = "", *text;
	struct gs1 g;
	int opt, rc, i, sub = 0, bad;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (strlen(optarg) != 1) {
				fprintf(stderr, "packbench: --fnc1: '%s' is not one character\n", optarg);
				return EXIT_USAGE;
			}
			sub = (unsigned char)optarg[0];
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc - 1)
		return cmd_usage(c);
	if ((text = cmd_gs1_unescape(c->argv[optind])) == NULL) {
		fputs("packbench: out of memory\n", stderr);
		abort();
	}
	rc = gs1_parse_sub(text, sub, &g, err, sizeof err);
	code = text;
	if (text[0] == ']' && strlen(text) >= 3) {
		memcpy(g.symbology, text, 3);
		g.symbology[3] = '\0';
		code = text + 3;
	}
	if (rc == 0 && !g.is_gs1)
		plain_check = cmd_gs1_plain(code, &kind);
	bad = rc != 0 || strcmp(plain_check, "wrong") == 0;

	if (c->fmt == OUT_JSON) {
		printf("{\"text\":");
		cmd_gs1_json_str(text);
		printf(",\"symbology\":");
		cmd_gs1_json_str(g.symbology);
		printf(",\"symbology_name\":");
		cmd_gs1_json_str(cmd_gs1_symbology(g.symbology));
		printf(",\"gs1\":%s,\"elements\":[", g.is_gs1 ? "true" : "false");
		for (i = 0; i < g.nelems; i++) {
			char dec[64];

			cmd_gs1_decoded(&g, &g.elems[i], dec, sizeof dec);
			printf("%s{\"ai\":\"%s\",\"title\":", i ? "," : "", g.elems[i].ai);
			cmd_gs1_json_str(gs1_ai_title(g.elems[i].ai));
			printf(",\"value\":");
			cmd_gs1_json_str(g.elems[i].value);
			printf(",\"decoded\":");
			cmd_gs1_json_str(dec);
			printf(",\"check\":");
			cmd_gs1_json_str(cmd_gs1_check(g.elems[i].checked));
			printf("}");
		}
		printf("]");
		if (!g.is_gs1 && rc == 0) {
			printf(",\"barcode\":");
			cmd_gs1_json_str(code);
			printf(",\"kind\":\"%s\",\"check\":\"%s\"", kind, plain_check);
		}
		printf(",\"error\":");
		if (rc != 0)
			cmd_gs1_json_str(err);
		else
			printf("null");
		printf("}\n");
	} else {
		struct out *o;

		if (c->fmt == OUT_TABLE)
			printf("symbology: %s%s%s\n", g.symbology, g.symbology[0] ? " " : "",
			    cmd_gs1_symbology(g.symbology));
		if (rc == 0 && !g.is_gs1 && c->fmt == OUT_TABLE) {
			printf("not GS1: a plain barcode '%s'", code);
			if (kind[0] != '\0' && plain_check[0] != '\0')
				printf(", %s, check digit %s", kind, plain_check);
			printf("\n");
		}
		if (g.nelems > 0 || c->fmt == OUT_CSV) {
			o = out_begin(stdout, c->fmt, cols, 5);
			for (i = 0; i < g.nelems; i++) {
				char dec[64];
				const char *vals[5] = { g.elems[i].ai, gs1_ai_title(g.elems[i].ai),
				    g.elems[i].value, dec, cmd_gs1_check(g.elems[i].checked) };

				cmd_gs1_decoded(&g, &g.elems[i], dec, sizeof dec);
				out_row(o, vals);
			}
			out_end(o);
		}
	}
	if (rc != 0)
		fprintf(stderr, "packbench: gs1: %s\n", err);
	else if (bad)
		fprintf(stderr, "packbench: gs1: %s %s has a wrong check digit\n", kind, code);
	free(text);
	return bad ? EXIT_FAIL : EXIT_OK;
}
