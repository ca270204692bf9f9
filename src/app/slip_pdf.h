/*
 * slip_pdf.h — the packing slip as a PDF (cairo), A4 for an office printer or A6 to
 * slip into the parcel: header, recipient, COD, and the lines with SKU, name, quantity
 * and lot, over as many pages as the lines need.
 */
#ifndef PB_SLIP_PDF_H
#define PB_SLIP_PDF_H

#include <stddef.h>

#include "core/label.h"

/* A font with every Vietnamese letter; fonts-dejavu-core on Debian. */
#define SLIP_PDF_FONT "DejaVu Sans"

enum slip_size {
	SLIP_A4,
	SLIP_A6,
};

/* "a4" or "a6" (any case); 0, or -1 when it is neither. */
int slip_pdf_size_parse(const char *text, enum slip_size *out);

/*
 * Render d's packing slip. *out (owned by the caller, free()) gets *len bytes of PDF.
 * 0, or -1 with one line in err (for one, when the font lacks Vietnamese glyphs).
 */
int slip_pdf(const struct label_data *d, enum slip_size size, unsigned char **out,
    size_t *len, char *err, size_t errlen);

/*
 * Free cairo's and fontconfig's font caches; call once, when this process draws no more
 * slips (keeps leak checkers quiet in the CLI and tests).
 */
void slip_pdf_cleanup(void);

/* 0 when SLIP_PDF_FONT, as fontconfig resolves it, has every Vietnamese letter. */
int slip_pdf_font_check(char *err, size_t errlen);

#endif
