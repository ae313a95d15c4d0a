/*
 * libFuzzer harness for names as a user types them: the text parser
 * (wire_name_from_text), the IDN conversions (src/idn.c) and the whole
 * argument path (input_domain in src/input.c).
 *
 * - wire_name_from_text either refuses with a reason or gives a
 *   well-formed name whose presentation form is printable ASCII and
 *   parses back to the same name;
 * - idn_to_ascii either refuses with a reason or gives a name; ASCII
 *   input comes back unchanged;
 * - idn_to_display, given a presentation form (what mxq gives it), makes
 *   valid UTF-8 without C0, C1, bidi or other invisible controls, with
 *   as many labels, each Unicode label converting back to its A-label;
 * - input_domain never crashes on any bytes (NUL, invalid UTF-8, 4 KiB
 *   of dots) and its escaped `input` is safe to print; a valid result has
 *   a query name whose text round-trips.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "mxq/esc.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/mx.h"
#include "mxq/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Number of dot-separated pieces of a text (no escapes: see callers). */
static size_t
count_labels(const char *s)
{
	size_t n = 1;

	for (; *s != '\0'; s++)
		n += *s == '.';
	return n;
}

/*
 * idn_to_display(text) where text is printable ASCII (the presentation
 * form): check the result when it changed something.
 */
static void
check_display(const char *what, const char *text)
{
	char *disp = NULL;
	const char *t, *u;

	FZ_ASSERT(idn_to_display(text, &disp) == MXQ_OK, "%s: display ENOMEM",
	    what);
	if (disp == NULL)
		return;
	fz_check_safe("idn_to_display output", disp, strlen(disp), NULL);
	FZ_ASSERT(strchr(text, '\\') == NULL, "%s: display of an escaped "
	    "name changed it", what);
	FZ_ASSERT(count_labels(disp) == count_labels(text),
	    "%s: %s shown as %s: label count differs", what, text, disp);
	/* Each label shown differently must convert back to the original. */
	for (t = text, u = disp;;) {
		size_t tl = strcspn(t, "."), ul = strcspn(u, ".");

		if (tl != ul || strncasecmp(t, u, tl) != 0) {
			char label[256], *ascii = NULL;
			const char *why = NULL;

			FZ_ASSERT(ul < sizeof(label), "%s: U-label of %zu bytes",
			    what, ul);
			memcpy(label, u, ul);
			label[ul] = '\0';
			FZ_ASSERT(has_non_ascii(label), "%s: %s shown as ASCII "
			    "label %s", what, text, label);
			FZ_ASSERT(tl > 4 && strncasecmp(t, "xn--", 4) == 0,
			    "%s: non-A-label %.*s converted", what, (int)tl,
			    t);
			FZ_ASSERT(idn_to_ascii(label, &ascii, &why) == MXQ_OK,
			    "%s: U-label %s of %s does not convert back: %s",
			    what, label, text, why != NULL ? why : "?");
			FZ_ASSERT(strlen(ascii) == tl &&
			    strncasecmp(ascii, t, tl) == 0,
			    "%s: %.*s shown as %s, which is %s", what,
			    (int)tl, t, label, ascii);
			free(ascii);
		}
		if (t[tl] == '\0' || u[ul] == '\0') {
			FZ_ASSERT(t[tl] == u[ul], "%s: label count", what);
			break;
		}
		t += tl + 1;
		u += ul + 1;
	}
	free(disp);
}

static void
check_text_parser(const char *s)
{
	struct wire_name n;
	const char *why = NULL;
	char *text;

	if (wire_name_from_text(s, &n, &why) != MXQ_OK) {
		FZ_ASSERT(why != NULL && *why != '\0', "from_text: no reason");
		return;
	}
	FZ_ASSERT(why == NULL, "from_text: reason on success");
	FZ_ASSERT(*s != '\0', "from_text: empty name accepted");
	text = fz_check_name("from_text", &n);
	check_display("from_text", text);
	free(text);
}

static void
check_idn(const char *s)
{
	struct wire_name n;
	const char *why = NULL;
	char *ascii = NULL, *disp = NULL, *text;

	if (idn_to_ascii(s, &ascii, &why) != MXQ_OK) {
		FZ_ASSERT(why != NULL && *why != '\0', "idn_to_ascii: no "
		    "reason");
		FZ_ASSERT(has_non_ascii(s), "idn_to_ascii refused ASCII");
	} else {
		FZ_ASSERT(ascii != NULL, "idn_to_ascii: NULL result");
		if (!has_non_ascii(s))
			FZ_ASSERT(strcmp(ascii, s) == 0,
			    "idn_to_ascii changed an ASCII name");
		else
			FZ_ASSERT(!has_non_ascii(ascii),
			    "idn_to_ascii left non-ASCII bytes");
		if (wire_name_from_text(ascii, &n, &why) == MXQ_OK) {
			text = fz_check_name("idn_to_ascii", &n);
			check_display("idn_to_ascii", text);
			free(text);
		}
		free(ascii);
	}
	/*
	 * The raw input is not a presentation form: only memory safety is
	 * asked of idn_to_display here, and the result's safety when the
	 * input is printable ASCII (which is what a presentation form is).
	 */
	FZ_ASSERT(idn_to_display(s, &disp) == MXQ_OK, "display: ENOMEM");
	free(disp);
	{
		const unsigned char *p = (const unsigned char *)s;

		while (*p >= 0x21 && *p <= 0x7e)
			p++;
		if (*p == '\0')
			check_display("raw input", s);
	}
}

static void
check_input_domain(const uint8_t *data, size_t size)
{
	struct mx_domain *d;
	size_t ilen;

	/* The exact buffer, not NUL-terminated: ASan sees any over-read. */
	d = input_domain((const char *)data, size, 1);
	FZ_ASSERT(d != NULL, "input_domain: NULL");
	FZ_ASSERT(d->input != NULL, "input_domain: no input");
	ilen = strlen(d->input);
	fz_check_safe("input field", d->input, ilen, NULL);
	/* At most 256 bytes shown, each as \xHH at worst, then "...". */
	FZ_ASSERT(ilen <= 256 * 4 + 3, "input field of %zu bytes", ilen);
	FZ_ASSERT(d->line == 1, "input_domain: line");
	if (d->status == MXQ_OK) {
		struct wire_name back;
		const char *why;
		char *text;

		FZ_ASSERT(d->qtext != NULL, "input_domain: valid, no qtext");
		FZ_ASSERT(d->message == NULL, "input_domain: valid, message");
		FZ_ASSERT(!wire_name_is_root(&d->qname), "root accepted");
		text = fz_check_name("input_domain", &d->qname);
		FZ_ASSERT(strcmp(text, d->qtext) == 0, "qtext %s, name %s",
		    d->qtext, text);
		FZ_ASSERT(wire_name_from_text(d->qtext, &back, &why) ==
		    MXQ_OK && wire_name_equal(&back, &d->qname),
		    "qtext does not parse back");
		check_display("input_domain", text);
		free(text);
	} else {
		FZ_ASSERT(d->status == MXQ_EINVAL, "input_domain: status %d",
		    (int)d->status);
		FZ_ASSERT(d->message != NULL, "input_domain: no message");
		fz_check_safe("input_domain message", d->message,
		    strlen(d->message), NULL);
		FZ_ASSERT(d->qtext == NULL, "invalid, but qtext");
	}
	FZ_ASSERT(d->nex == 0 && d->ex == NULL, "input_domain: exchanges");
	mx_domain_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';		/* an embedded NUL ends the string early */

	check_text_parser(s);
	check_idn(s);
	free(s);

	check_input_domain(data, size);
	return 0;
}
