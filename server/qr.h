/*
 * qr: a QR code of a text as an SVG image (libqrencode does the encoding),
 * for the room link shown on the presenter page and in broadcast graphics.
 */
#ifndef SURAK_QR_H
#define SURAK_QR_H

struct sbuf;

/* Appends the SVG of text's QR code to out; 0, or -1 if it cannot be encoded. */
int qr_svg(const char *text, struct sbuf *out);

#endif
