/*
 * qr: libqrencode's modules drawn as one SVG path, with the four-module
 * quiet zone the standard asks for. Error correction level M: a code shown
 * on a studio screen or a broadcast survives a little blur.
 */
#include "qr.h"

#include <qrencode.h>

#include "util.h"

#define QUIET 4

int
qr_svg(const char *text, struct sbuf *out)
{
	QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	int x, y, size;

	if (q == NULL)
		return -1;
	size = q->width + 2 * QUIET;
	sbuf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", size, size, size, size);
	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			if (q->data[y * q->width + x] & 1)
				sbuf_printf(out, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	sbuf_adds(out, "\"/></svg>\n");
	QRcode_free(q);
	return 0;
}
