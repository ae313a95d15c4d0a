/* Reading domains and turning what the user typed into query names. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxq/esc.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/msg.h"
#include "mxq/wire.h"

/* Read buffer: several long lines. */
#define INPUT_BUF (4 * INPUT_LINE_MAX)

struct input {
	int fd;
	int is_stdin;
	int eof;
	int failed;			/* a read error: the end, reported */
	int skipping;			/* inside a line that is too long */
	size_t lineno;
	size_t start, end;		/* unread bytes in buf */
	char buf[INPUT_BUF];
	char line[INPUT_LINE_MAX + 1];
};

enum mxq_status
input_open(const char *path, struct input **out)
{
	struct input *in;

	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return MXQ_ENOMEM;
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->is_stdin = 1;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
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
	size_t n = 0;
	off_t off = 0;
	ssize_t got;
	char buf[65536], last = '\n';

	if (fstat(in->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	while ((got = pread(in->fd, buf, sizeof(buf), off)) > 0) {
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
		last = buf[got - 1];
		off += got;
	}
	/* A last line without its newline is a line too. */
	return n + (last != '\n');
}

int
input_fd(const struct input *in)
{
	return in->fd;
}

int
input_read(struct input *in)
{
	ssize_t n;

	if (in->eof)
		return 0;
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	do
		n = read(in->fd, in->buf + in->end, sizeof(in->buf) - in->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		msg_err("read error: %s", strerror(errno));
		in->failed = 1;
		return -1;
	}
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)n;
	return 1;
}

/*
 * The next raw line of what has been read into in->line, its length in
 * *len ((size_t)-1 for a line too long, whose start is kept): 1, 0 at
 * the end, 2 when no whole line is there yet.  Never reads.
 */
static int
raw_line(struct input *in, size_t *len)
{
	for (;;) {
		char *p = in->buf + in->start;
		size_t avail = in->end - in->start;
		char *nl = memchr(p, '\n', avail);

		if (in->skipping) {
			if (nl != NULL) {
				in->start += (size_t)(nl - p) + 1;
				in->skipping = 0;
				*len = (size_t)-1;
				return 1;
			}
			in->start = in->end;
			if (!in->eof)
				return 2;
			in->skipping = 0;
			*len = (size_t)-1;
			return 1;
		}
		if (nl != NULL || (in->eof && avail > 0)) {
			size_t n = nl != NULL ? (size_t)(nl - p) : avail;

			if (n > INPUT_LINE_MAX) {
				memcpy(in->line, p, INPUT_LINE_MAX);
				in->line[INPUT_LINE_MAX] = '\0';
				*len = (size_t)-1;
			} else {
				memcpy(in->line, p, n);
				in->line[n] = '\0';
				*len = n;
			}
			in->start += n + (nl != NULL);
			return 1;
		}
		if (avail > INPUT_LINE_MAX) {
			/* Its start is kept; the rest is skipped as it comes. */
			memcpy(in->line, p, INPUT_LINE_MAX);
			in->line[INPUT_LINE_MAX] = '\0';
			in->skipping = 1;
			in->start = in->end;
			continue;
		}
		return in->eof ? 0 : 2;
	}
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
		size_t n, start = 0;
		int rc = raw_line(in, &n);

		/* After a read error nothing more comes: the end, said so. */
		if (rc != 1 && in->failed)
			return -1;
		if (rc != 1)
			return rc;
		*lineno = ++in->lineno;
		if (n == (size_t)-1) {
			/* Its start, to show in the message. */
			*text = in->line;
			*len = (size_t)-1;
			return 1;
		}
		while (start < n && is_space((unsigned char)in->line[start]))
			start++;
		while (n > start && is_space((unsigned char)in->line[n - 1]))
			n--;
		if (n == start || in->line[start] == '#')
			continue;
		in->line[n] = '\0';
		*text = in->line + start;
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
		close(in->fd);
	free(in);
}

static int
invalid(struct mx_domain *d, const char *why)
{
	d->status = MXQ_EINVAL;
	return mx_set_string(&d->message, why) == MXQ_OK ? 0 : -1;
}

/*
 * The last '@' of name that no backslash escapes, or NULL; *n counts
 * them.  "a\\@b.example" is one label holding '@' (as mxq prints such
 * a name), not the address of user "a".
 */
static const char *
unescaped_at(const char *name, size_t *n)
{
	const char *p, *at = NULL;

	*n = 0;
	for (p = name; *p != '\0'; p++) {
		if (*p == '\\') {
			int k = 0;

			/* \DDD (wire_name_from_text checks it) or \c. */
			if (p[1] >= '0' && p[1] <= '9')
				while (k < 3 && p[1] >= '0' && p[1] <= '9') {
					p++;
					k++;
				}
			else if (p[1] != '\0')
				p++;
		} else if (*p == '@') {
			at = p;
			(*n)++;
		}
	}
	return at;
}

/* Check and convert; 0 when d is complete (valid or not), -1 on ENOMEM. */
static int
prepare(struct mx_domain *d, const char *name)
{
	const unsigned char *p;
	const char *why, *at;
	char *ascii = NULL, text[WIRE_TEXT_MAX];
	enum mxq_status st;
	size_t nat;

	at = unescaped_at(name, &nat);
	if (at != NULL) {
		/* user@example.com: the mail domain is the part after '@'. */
		if (at == name || at[1] == '\0' || nat > 1)
			return invalid(d, "not a domain name nor an e-mail "
			    "address");
		name = at + 1;
	}
	if (strstr(name, "://") != NULL)
		return invalid(d, "a URL, not a domain name (give the host "
		    "part alone)");
	if (mx_text_is_ip(name))
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
