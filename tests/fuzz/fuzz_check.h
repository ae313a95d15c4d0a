/*
 * Invariants shared by the fuzz harnesses.  Every check abort()s with a
 * one-line reason on stderr, so that libFuzzer keeps the input as a crash.
 */
#ifndef MXQ_FUZZ_CHECK_H
#define MXQ_FUZZ_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/esc.h"
#include "mxq/wire.h"

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
static inline void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz invariant violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FZ_ASSERT(cond, ...) \
	do { \
		if (!(cond)) \
			fz_fail(__VA_ARGS__); \
	} while (0)

/*
 * Output that may reach a terminal: well-formed UTF-8, no C0 control
 * except those in `allowed` (e.g. "\n"), no DEL, no C1, no bidi or other
 * invisible format character (esc_unsafe_codepoint).  `what` names the
 * output in the failure message.
 */
static inline void
fz_check_safe(const char *what, const char *s, size_t len, const char *allowed)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned long cp;
		size_t n = esc_utf8_next(p + i, len - i, &cp);

		FZ_ASSERT(n != 0, "%s: invalid UTF-8 at byte %zu (0x%02x)",
		    what, i, p[i]);
		if (cp < 0x80 && cp != 0 && allowed != NULL &&
		    strchr(allowed, (int)cp) != NULL) {
			i += n;
			continue;
		}
		FZ_ASSERT(!esc_unsafe_codepoint(cp),
		    "%s: unsafe code point U+%04lX at byte %zu", what, cp, i);
		i += n;
	}
}

/* A wire name as wire_read_name() and wire_name_from_text() promise it. */
static inline void
fz_check_name_shape(const char *what, const struct wire_name *n)
{
	size_t i = 0;

	FZ_ASSERT(n->len >= 1 && n->len <= WIRE_NAME_MAX, "%s: len %u", what,
	    n->len);
	for (;;) {
		unsigned c;

		FZ_ASSERT(i < n->len, "%s: labels run past len %u", what,
		    n->len);
		c = n->data[i];
		FZ_ASSERT(c <= WIRE_LABEL_MAX, "%s: label of %u octets at %zu",
		    what, c, i);
		if (c == 0)
			break;
		i += 1 + c;
	}
	FZ_ASSERT(i + 1 == n->len, "%s: root label at %zu, len %u", what, i,
	    n->len);
}

/*
 * wire_name_to_text() of a well-formed name: printable ASCII only, no
 * longer than WIRE_TEXT_MAX - 1, ending with a dot, and text -> wire
 * gives the same name back (the root excepted: it is refused as a mail
 * domain).  The text goes into a heap buffer of exactly WIRE_TEXT_MAX
 * bytes so that ASan sees any overrun.  Returns the text (caller frees).
 */
static inline char *
fz_check_name(const char *what, const struct wire_name *n)
{
	struct wire_name back;
	const char *why = NULL;
	char *text;
	size_t len, i;

	fz_check_name_shape(what, n);
	text = malloc(WIRE_TEXT_MAX);
	if (text == NULL)
		abort();
	len = wire_name_to_text(n, text);
	FZ_ASSERT(len < WIRE_TEXT_MAX, "%s: text of %zu bytes", what, len);
	FZ_ASSERT(strlen(text) == len, "%s: returned %zu, strlen %zu", what,
	    len, strlen(text));
	FZ_ASSERT(len >= 1 && text[len - 1] == '.', "%s: no final dot: %s",
	    what, text);
	for (i = 0; i < len; i++)
		FZ_ASSERT((unsigned char)text[i] >= 0x21 &&
		    (unsigned char)text[i] <= 0x7e,
		    "%s: byte 0x%02x at %zu of the text", what,
		    (unsigned char)text[i], i);
	if (wire_name_is_root(n)) {
		FZ_ASSERT(strcmp(text, ".") == 0, "%s: root as %s", what,
		    text);
		FZ_ASSERT(wire_name_from_text(text, &back, &why) ==
		    MXQ_EINVAL && why != NULL, "%s: root accepted", what);
		return text;
	}
	FZ_ASSERT(wire_name_from_text(text, &back, &why) == MXQ_OK,
	    "%s: text %s does not parse back: %s", what, text,
	    why != NULL ? why : "?");
	FZ_ASSERT(wire_name_equal(n, &back), "%s: %s does not round-trip",
	    what, text);
	FZ_ASSERT(back.len == n->len && memcmp(back.data, n->data, n->len) ==
	    0, "%s: %s round-trips only case-insensitively", what, text);
	FZ_ASSERT(wire_name_hash(n) == wire_name_hash(&back),
	    "%s: hash differs after the round trip", what);
	return text;
}

#endif
