/* libidn2 wrappers: the only file that includes <idn2.h>. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "mxq/esc.h"
#include "mxq/idn.h"

enum mxq_status
idn_to_ascii(const char *in, char **out, const char **why)
{
	const unsigned char *p;
	char *res = NULL;
	int rc;

	*why = NULL;
	for (p = (const unsigned char *)in; *p != '\0'; p++)
		if (*p >= 0x80)
			break;
	if (*p == '\0') {
		res = strdup(in);
		if (res == NULL)
			return MXQ_ENOMEM;
		*out = res;
		return MXQ_OK;
	}
	/*
	 * Never IDN2_USE_STD3_ASCII_RULES: it silently drops '_' and
	 * spaces.  The _8z functions take UTF-8 whatever the locale.
	 */
	rc = idn2_to_ascii_8z(in, &res, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc == IDN2_MALLOC)
		return MXQ_ENOMEM;
	if (rc != IDN2_OK) {
		*why = idn2_strerror(rc);
		return MXQ_EINVAL;
	}
	*out = strdup(res);
	idn2_free(res);
	return *out == NULL ? MXQ_ENOMEM : MXQ_OK;
}

/*
 * The U-label of one A-label, or NULL when it does not round-trip or
 * would show something unsafe.  The caller frees.
 */
static char *
label_to_unicode(const char *alabel)
{
	char *u = NULL, *back = NULL, *res = NULL;
	const unsigned char *p;
	size_t n, left;
	unsigned long cp;

	if (idn2_to_unicode_8z8z(alabel, &u, 0) != IDN2_OK)
		goto out;
	/* idn2_to_unicode does not validate: re-encode and compare. */
	if (idn2_to_ascii_8z(u, &back, IDN2_NONTRANSITIONAL) != IDN2_OK)
		goto out;
	if (strcasecmp(back, alabel) != 0)
		goto out;
	p = (const unsigned char *)u;
	left = strlen(u);
	while (left > 0) {
		n = esc_utf8_next(p, left, &cp);
		if (n == 0 || esc_unsafe_codepoint(cp) || cp == '.' ||
		    cp == '\\')
			goto out;
		p += n;
		left -= n;
	}
	res = strdup(u);
out:
	idn2_free(u);
	idn2_free(back);
	return res;
}

/* Nonzero when some label starts with "xn--" (any case). */
static int
has_alabel(const char *text)
{
	const char *p;

	for (p = text; *p != '\0'; p++)
		if ((p == text || p[-1] == '.') &&
		    strncasecmp(p, "xn--", 4) == 0)
			return 1;
	return 0;
}

enum mxq_status
idn_to_display(const char *text, char **out)
{
	size_t len = strlen(text), cap = len * 4 + 2, o = 0;
	const char *lab = text;
	char *buf, *dot;
	int changed = 0;

	*out = NULL;
	/* A-labels are letters, digits and hyphens: no escapes to undo. */
	if (strchr(text, '\\') != NULL || !has_alabel(text))
		return MXQ_OK;
	buf = malloc(cap);
	if (buf == NULL)
		return MXQ_ENOMEM;
	while (*lab != '\0') {
		size_t ll;
		char *u = NULL;

		dot = strchr(lab, '.');
		ll = dot != NULL ? (size_t)(dot - lab) : strlen(lab);
		if (ll > 4 && ll <= 63 && strncasecmp(lab, "xn--", 4) == 0) {
			char tmp[64];

			memcpy(tmp, lab, ll);
			tmp[ll] = '\0';
			u = label_to_unicode(tmp);
		}
		if (u != NULL && o + strlen(u) + 2 <= cap) {
			memcpy(buf + o, u, strlen(u));
			o += strlen(u);
			changed = 1;
		} else {
			memcpy(buf + o, lab, ll);
			o += ll;
		}
		free(u);
		if (dot == NULL)
			break;
		buf[o++] = '.';
		lab = dot + 1;
	}
	buf[o] = '\0';
	if (!changed) {
		free(buf);
		return MXQ_OK;
	}
	*out = buf;
	return MXQ_OK;
}

const char *
idn_version(void)
{
	return idn2_check_version(NULL);
}
