/* devuri.c — parsing of device addresses (see devuri.h). */
#include "devuri.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	[DEVURI_USB] = "usb", [DEVURI_HID] = "hid", [DEVURI_TTY] = "tty",
	[DEVURI_TCP] = "tcp", [DEVURI_CUPS] = "cups", [DEVURI_FILE] = "file",
	[DEVURI_SIM] = "sim",
};

const char *
devuri_kind_name(enum devuri_kind k)
{
	return kind_names[k];
}

static int
hex4(const char *s, size_t n, unsigned *out)
{
	size_t i;

	if (n == 0 || n > 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	}
	*out = (unsigned)strtoul(s, NULL, 16);
	return 0;
}

static int
set_path(struct devuri *d, const char *p, const char *text, char *err, size_t errlen)
{
	if (*p == '\0' || strlen(p) >= sizeof d->path) {
		snprintf(err, errlen, "device '%s': %s", text,
		    *p == '\0' ? "missing path" : "path too long");
		return -1;
	}
	snprintf(d->path, sizeof d->path, "%s", p);
	return 0;
}

static int
parse_usb(const char *text, const char *p, struct devuri *d, char *err, size_t errlen)
{
	const char *c1 = strchr(p, ':'), *c2;

	if (c1 == NULL || hex4(p, (size_t)(c1 - p), &d->vid) != 0)
		goto bad;
	c2 = strchr(c1 + 1, ':');
	if (hex4(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1), &d->pid) != 0)
		goto bad;
	if (c2 != NULL) {
		if (c2[1] == '\0' || strlen(c2 + 1) >= sizeof d->serial)
			goto bad;
		snprintf(d->serial, sizeof d->serial, "%s", c2 + 1);
	}
	return 0;
bad:
	snprintf(err, errlen, "device '%s': expected usb:VID:PID[:SERIAL] with hex ids", text);
	return -1;
}

static int
parse_tcp(const char *text, const char *p, struct devuri *d, char *err, size_t errlen)
{
	const char *colon = strrchr(p, ':');
	size_t hostlen = colon ? (size_t)(colon - p) : strlen(p);
	char *end;
	long port = 9100;

	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
			snprintf(err, errlen, "device '%s': bad port", text);
			return -1;
		}
	}
	if (hostlen == 0 || hostlen >= sizeof d->path) {
		snprintf(err, errlen, "device '%s': missing host", text);
		return -1;
	}
	memcpy(d->path, p, hostlen);
	d->path[hostlen] = '\0';
	d->port = (unsigned)port;
	return 0;
}

int
devuri_parse(const char *text, struct devuri *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (strcmp(text, "sim") == 0) {
		out->kind = DEVURI_SIM;
		return 0;
	}
	if (strncmp(text, "usb:", 4) == 0) {
		out->kind = DEVURI_USB;
		return parse_usb(text, text + 4, out, err, errlen);
	}
	if (strncmp(text, "tcp://", 6) == 0) {
		out->kind = DEVURI_TCP;
		return parse_tcp(text, text + 6, out, err, errlen);
	}
	if (strncmp(text, "hid:", 4) == 0) {
		out->kind = DEVURI_HID;
		return set_path(out, text + 4, text, err, errlen);
	}
	if (strncmp(text, "tty:", 4) == 0) {
		out->kind = DEVURI_TTY;
		return set_path(out, text + 4, text, err, errlen);
	}
	if (strncmp(text, "cups:", 5) == 0) {
		out->kind = DEVURI_CUPS;
		return set_path(out, text + 5, text, err, errlen);
	}
	if (strncmp(text, "file:", 5) == 0) {
		out->kind = DEVURI_FILE;
		return set_path(out, text + 5, text, err, errlen);
	}
	snprintf(err, errlen, "device '%s': unknown kind (want usb:, hid:, tty:, tcp://, "
	    "cups:, file: or sim)", text);
	return -1;
}
