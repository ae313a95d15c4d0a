/* Escaping of untrusted text for terminals and JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/esc.h"

size_t
esc_utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

int
esc_unsafe_codepoint(unsigned long cp)
{
	return cp < 0x20 || cp == 0x7f ||
	    (cp >= 0x80 && cp <= 0x9f) ||		/* C1 controls */
	    cp == 0xad || cp == 0x61c ||
	    (cp >= 0x200b && cp <= 0x200f) ||		/* ZW*, LRM, RLM */
	    (cp >= 0x2028 && cp <= 0x202e) ||		/* separators, bidi */
	    (cp >= 0x2060 && cp <= 0x206f) ||		/* isolates etc. */
	    cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	    (cp >= 0xe0000 && cp <= 0xe007f);		/* tags */
}

char *
esc_dup(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t shown = len < max ? len : max;
	size_t i = 0, o = 0;
	char *out;

	/* Worst case: every byte becomes \xHH, plus "..." and NUL. */
	out = malloc(shown * 4 + 4);
	if (out == NULL)
		return NULL;
	while (i < shown) {
		unsigned long cp;
		size_t n = esc_utf8_next(p + i, shown - i, &cp);

		if (n == 0 || esc_unsafe_codepoint(cp)) {
			size_t k, bad = n == 0 ? 1 : n;

			for (k = 0; k < bad; k++)
				o += (size_t)sprintf(out + o, "\\x%02x",
				    p[i + k]);
			i += bad;
		} else if (cp == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	if (shown < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
