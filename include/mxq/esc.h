/* Safe display of untrusted text (arguments, input lines). */
#ifndef MXQ_ESC_H
#define MXQ_ESC_H

#include <stddef.h>

/*
 * Return a newly allocated copy of the first len bytes of s that is safe
 * on any terminal and valid UTF-8: printable ASCII and well-formed UTF-8
 * stay, a backslash becomes "\\", and control bytes, C1 and bidi or other
 * invisible format characters, and invalid UTF-8 become "\xHH" per byte.
 * At most max input bytes are shown, then "...".  NULL when out of
 * memory.  The caller frees.
 */
char *esc_dup(const char *s, size_t len, size_t max);

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes) and
 * its code point in *cp, or 0 when the bytes there are not well formed.
 */
size_t esc_utf8_next(const unsigned char *s, size_t n, unsigned long *cp);

/* Nonzero for code points that must not reach a terminal raw. */
int esc_unsafe_codepoint(unsigned long cp);

#endif
