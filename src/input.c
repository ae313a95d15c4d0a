/* Reading domains and turning what the user typed into query names. */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/esc.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/msg.h"
#include "mxq/wire.h"

struct input {
	FILE *fp;
	int is_stdin;
	size_t lineno;
	char buf[INPUT_LINE_MAX + 1];
};

enum mxq_status
input_open(const char *path, struct input **out)
{
	struct input *in;

	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return MXQ_ENOMEM;
	if (strcmp(path, "-") == 0) {
		in->fp = stdin;
		in->is_stdin = 1;
	} else {
		in->fp = fopen(path, "r");
		if (in->fp == NULL) {
			char *shown = esc_dup(path, strlen(path), 256);

			msg_err("%s: %s", shown != NULL ? shown : "file",
			    strerror(errno));
			free(shown);
			free(in);
			return MXQ_EUSAGE;
		}
	}
	*out = in;
	return MXQ_OK;
}

size_t
input_count(struct input *in)
{
	struct stat sb;
	size_t n = 0, got;
	long pos;
	char buf[65536];

	if (in->is_stdin || fstat(fileno(in->fp), &sb) != 0 ||
	    !S_ISREG(sb.st_mode) || (pos = ftell(in->fp)) < 0)
		return 0;
	while ((got = fread(buf, 1, sizeof(buf), in->fp)) > 0)
		for (size_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	clearerr(in->fp);
	if (fseek(in->fp, pos, SEEK_SET) != 0)
		return 0;
	return n;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

int
input_next(struct input *in, const char **text, size_t *len, size_t *lineno)
{
	for (;;) {
		size_t n = 0, start;
		int c, toolong = 0;

		while ((c = getc(in->fp)) != EOF && c != '\n') {
			if (n < INPUT_LINE_MAX)
				in->buf[n++] = (char)c;
			else
				toolong = 1;
		}
		if (c == EOF && ferror(in->fp)) {
			msg_err("read error: %s", strerror(errno));
			return -1;
		}
		if (c == EOF && n == 0 && !toolong)
			return 0;
		in->lineno++;
		*lineno = in->lineno;
		if (toolong) {
			/* Its start, to show in the message. */
			*text = in->buf;
			*len = (size_t)-1;
			return 1;
		}
		start = 0;
		while (start < n && is_space((unsigned char)in->buf[start]))
			start++;
		while (n > start && is_space((unsigned char)in->buf[n - 1]))
			n--;
		if (n == start || in->buf[start] == '#')
			continue;
		in->buf[n] = '\0';
		*text = in->buf + start;
		*len = n - start;
		return 1;
	}
}

void
input_close(struct input *in)
{
	if (in == NULL)
		return;
	if (!in->is_stdin)
		fclose(in->fp);
	free(in);
}

static int
is_ip_literal(const char *s)
{
	uint8_t tmp[16];
	char buf[64];
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len + 1);
	if (buf[len - 1] == '.')
		buf[len - 1] = '\0';
	if (buf[0] == '[' && buf[strlen(buf) - 1] == ']') {
		buf[strlen(buf) - 1] = '\0';
		return inet_pton(AF_INET6, buf + 1, tmp) == 1;
	}
	return inet_pton(AF_INET, buf, tmp) == 1 ||
	    inet_pton(AF_INET6, buf, tmp) == 1;
}

static int
invalid(struct mx_domain *d, const char *why)
{
	d->status = MXQ_EINVAL;
	return mx_set_string(&d->message, why) == MXQ_OK ? 0 : -1;
}

/* Check and convert; 0 when d is complete (valid or not), -1 on ENOMEM. */
static int
prepare(struct mx_domain *d, const char *name)
{
	const unsigned char *p;
	const char *why, *at;
	char *ascii = NULL, text[WIRE_TEXT_MAX];
	enum mxq_status st;

	at = strrchr(name, '@');
	if (at != NULL) {
		/* user@example.com: the mail domain is the part after '@'. */
		if (at == name || at[1] == '\0' ||
		    strchr(name, '@') != at)
			return invalid(d, "not a domain name nor an e-mail "
			    "address");
		name = at + 1;
	}
	if (strstr(name, "://") != NULL)
		return invalid(d, "a URL, not a domain name (give the host "
		    "part alone)");
	if (is_ip_literal(name))
		return invalid(d, "an IP address, not a domain name");
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return invalid(d, "white space or a control character "
			    "in the name (write \\032 for a literal space)");
	st = idn_to_ascii(name, &ascii, &why);
	if (st == MXQ_ENOMEM)
		return -1;
	if (st != MXQ_OK)
		return invalid(d, why);
	st = wire_name_from_text(ascii, &d->qname, &why);
	free(ascii);
	if (st != MXQ_OK)
		return invalid(d, why);
	wire_name_to_text(&d->qname, text);
	if (mx_set_string(&d->qtext, text) != MXQ_OK)
		return -1;
	return 0;
}

struct mx_domain *
input_domain(const char *text, size_t len, size_t lineno)
{
	struct mx_domain *d;
	char *copy;

	if (len == (size_t)-1) {
		d = mx_domain_new(text, INPUT_LINE_MAX, lineno);
		if (d == NULL)
			return NULL;
		if (invalid(d, "line too long") != 0)
			goto fail;
		return d;
	}
	d = mx_domain_new(text, len, lineno);
	if (d == NULL)
		return NULL;
	if (text == NULL) {
		if (invalid(d, "line too long") != 0)
			goto fail;
		return d;
	}
	if (memchr(text, '\0', len) != NULL) {
		if (invalid(d, "NUL byte in the name") != 0)
			goto fail;
		return d;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		goto fail;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (prepare(d, copy) != 0) {
		free(copy);
		goto fail;
	}
	free(copy);
	return d;
fail:
	mx_domain_free(d);
	return NULL;
}
