/*
 * label.h — shipping labels, packing slips and the command-barcode sheet as ZPL II text.
 *
 * Pure text: label_load() reads what a label shows from the database, the renderers fill
 * a template (data/labels/, compiled into the binary) and return the ZPL bytes. Sending
 * them anywhere is the devices layer's job (printer.h).
 *
 * Templates are ZPL written for a 4x6 inch label at 203 dpi with {{placeholders}}:
 *   {{key}}            the value, escaped for the field it stands in: inside ^FD data
 *                      ^ ~ _ \ become ^FH hex escapes (_5E _7E _5F _5C; the renderer adds
 *                      ^FH to a field that lacks it); in a Code 128 field (^BC) ^ > ~ are
 *                      the invocation codes >< >0 >= and what Code 128 subset B cannot
 *                      encode becomes '?'. Outside field data (command parameters) only
 *                      [A-Za-z0-9:._+-] is allowed.
 *   {{key:N}}          at most N characters (not bytes); "..." marks a cut
 *   {{#key}}..{{/key}} kept when key is non-empty; for a list, repeated once per item
 *   {{^key}}..{{/key}} kept when key is empty
 *   {{#lines y=Y step=S rows=R}}  a list whose items are rows: inside, {{y}} is the item's
 *                      y (Y, Y+S, ...), {{y+N}} an offset from it; with more than R items
 *                      the whole template is rendered again for the next R (one ^XA..^XZ
 *                      per page; {{page}} and {{pages}} number them).
 * At 300 dpi the renderer scales the dot-valued parameters of ^FO ^FT ^LH ^PW ^LL ^A ^CF
 * ^GB ^BY ^BC ^BQ ^FB by 300/203, so one template serves both printers. ^FX comments are
 * dropped from the output.
 *
 * Keys: channel shop order_no tracking_no carrier recipient phone address district
 * province cod (amount with thousands separators and currency; empty when 0) prepaid
 * ("PREPAID" when cod is 0) weight ("1250 g") weight_g pkg_no pkg_count packed_at
 * ("YYYY-MM-DD HH:MM", UTC+7) station font units nlines page pages; the list `lines`
 * has n sku name qty lot, the list `commands` (command sheet) n code caption.
 */
#ifndef PB_LABEL_H
#define PB_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/*
 * The printer font for text: Zebra's resident Unicode TrueType font. ^CI28 only selects
 * UTF-8; font 0 has no glyphs for most Vietnamese letters. A printer whose resident font
 * lacks them needs a Unicode TTF downloaded and named here (label_data.font, --font).
 */
#define LABEL_FONT_DEFAULT "E:TT0003M_.FNT"

struct label_line {
	char *sku;
	char *name;
	char *lot;                  /* "L1", "L1 x2, L2 x1", or "" when not lot-tracked */
	int64_t qty;
};

struct label_data {
	char *channel;              /* display name: "Shopee", "Lazada", "TikTok Shop" */
	char *shop;
	char *order_no;
	char *tracking_no;          /* "" when the carrier has not given one yet */
	char *carrier;
	char *name, *phone, *address, *district, *province;
	int64_t cod;                /* to collect, minor units; 0: prepaid */
	char currency[4];
	int64_t weight_g;           /* 0: unknown */
	int pkg_no, pkg_count;      /* package n of m, from 1 */
	int64_t packed_at;          /* UTC; 0: not packed yet */
	char station[32];
	char font[64];              /* LABEL_FONT_DEFAULT unless the caller changes it */
	struct label_line *lines;
	size_t nlines;
};

/*
 * Fill *out for package pkg_no (from 1; 0 means 1) of order order_id: the order's header,
 * its shop, the package's weight, carrier, tracking number, pack time and station, and
 * every line with its lots. An order with no package yet is package 1 of 1 with the sum
 * of its SKU weights. DB_ENOTFOUND, or DB_EINVAL when pkg_no is past the last package;
 * s->err says which. The strings are owned by *out: release with label_free().
 */
int label_load(struct session *s, int64_t order_id, int pkg_no, struct label_data *out);
void label_free(struct label_data *d);

/* A built-in template by file name ("label-4x6.zpl"), or NULL. */
const char *label_template(const char *name);

/*
 * Render the shipping label (tmpl NULL: the built-in label-4x6.zpl) at dpi 203 or 300.
 * *out is NUL-terminated, *len bytes without the NUL, owned by the caller (free()).
 * 0, or DB_EINVAL for a bad dpi or template (label_error() says what).
 */
int label_zpl(const char *tmpl, const struct label_data *d, int dpi, char **out,
    size_t *len);
/* The packing slip: order lines, quantities and lots (built-in slip-4x6.zpl). */
int label_slip_zpl(const char *tmpl, const struct label_data *d, int dpi, char **out,
    size_t *len);
/* The sheet of command barcodes CMD:ACK ... CMD:LOGOUT (built-in command-sheet.zpl). */
int label_command_sheet_zpl(const char *tmpl, const char *font, int dpi, char **out,
    size_t *len);

/* The station's command barcodes, with a caption each; NULL-terminated. */
struct label_command {
	const char *code;           /* "CMD:ACK" */
	const char *caption;
};
extern const struct label_command label_commands[];

/* Amount in minor units as label text, Vietnamese style: "186.000 VND", "12,50 MYR". */
void label_money(int64_t amount, const char *currency, char *buf, size_t len);

/* One line saying why the last render in this thread failed. */
const char *label_error(void);

/* The compiled-in data/labels/ files (generated by tools/embed_files.py). */
struct label_file {
	const char *name;
	const char *text;
};
extern const struct label_file label_files[];
extern const size_t label_files_count;

#endif
