/* Unit tests for src/input.c: what the user typed, and files of domains. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mxq/input.h"
#include "mxq/mx.h"
#include "mxq/status.h"

/* ---- input_domain ---- */

static struct mx_domain *
dom(const char *text)
{
	struct mx_domain *d = input_domain(text, strlen(text), 0);

	assert_non_null(d);
	return d;
}

/* text must become a query for qtext, and keep its input as typed. */
static void
expect_valid(const char *text, const char *qtext)
{
	struct mx_domain *d = dom(text);

	if (d->status != MXQ_OK)
		print_error("\"%s\": rejected: %s\n", text,
		    d->message != NULL ? d->message : "?");
	assert_int_equal(d->status, MXQ_OK);
	assert_non_null(d->qtext);
	assert_string_equal(d->qtext, qtext);
	assert_null(d->message);
	mx_domain_free(d);
}

/* text must be refused, with a message containing hint (or any). */
static void
expect_invalid_len(const char *text, size_t len, const char *hint)
{
	struct mx_domain *d = input_domain(text, len, 3);

	assert_non_null(d);
	if (d->status != MXQ_EINVAL)
		print_error("\"%.*s\": accepted as %s\n", (int)len, text,
		    d->qtext != NULL ? d->qtext : "?");
	assert_int_equal(d->status, MXQ_EINVAL);
	assert_non_null(d->message);
	assert_true(d->message[0] != '\0');
	if (hint != NULL && strstr(d->message, hint) == NULL)
		fail_msg("message \"%s\" does not mention \"%s\"", d->message,
		    hint);
	/* It keeps its place in the output. */
	assert_non_null(d->input);
	assert_int_equal(d->line, 3);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_INVALID);
	mx_domain_free(d);
}

static void
expect_invalid(const char *text, const char *hint)
{
	expect_invalid_len(text, strlen(text), hint);
}

static void
test_plain_domain(void **state)
{
	struct mx_domain *d;

	(void)state;
	d = input_domain("example.com", 11, 5);
	assert_non_null(d);
	assert_int_equal(d->status, MXQ_OK);
	assert_string_equal(d->qtext, "example.com.");
	assert_string_equal(d->input, "example.com");
	assert_int_equal(d->line, 5);
	assert_int_equal(d->qname.len, 13);
	assert_memory_equal(d->qname.data, "\7example\3com", 13);
	mx_domain_free(d);
}

static void
test_trailing_dot_and_case_kept(void **state)
{
	(void)state;
	expect_valid("example.com.", "example.com.");
	expect_valid("Example.COM", "Example.COM.");
}

static void
test_len_is_respected(void **state)
{
	struct mx_domain *d = input_domain("example.com.evil", 11, 0);

	(void)state;
	assert_non_null(d);
	assert_int_equal(d->status, MXQ_OK);
	assert_string_equal(d->qtext, "example.com.");
	assert_string_equal(d->input, "example.com");
	mx_domain_free(d);
}

static void
test_email_address(void **state)
{
	struct mx_domain *d = dom("user@example.com");

	(void)state;
	assert_int_equal(d->status, MXQ_OK);
	assert_string_equal(d->qtext, "example.com.");
	/* Shown back as given. */
	assert_string_equal(d->input, "user@example.com");
	mx_domain_free(d);
	expect_valid("first.last+tag@b\xc3\xbc" "cher.example",
	    "xn--bcher-kva.example.");
}

static void
test_email_malformed(void **state)
{
	(void)state;
	expect_invalid("a@b@c", NULL);
	expect_invalid("@example.com", NULL);
	expect_invalid("user@", NULL);
}

static void
test_url(void **state)
{
	(void)state;
	expect_invalid("http://example.com/", "URL");
	expect_invalid("https://example.com", "URL");
}

static void
test_ip_addresses(void **state)
{
	(void)state;
	expect_invalid("192.0.2.1", "IP");
	expect_invalid("192.0.2.1.", "IP");
	expect_invalid("::1", "IP");
	expect_invalid("[::1]", "IP");
	expect_invalid("2001:db8::25", "IP");
}

static void
test_space_and_controls(void **state)
{
	(void)state;
	expect_invalid("a b.com", NULL);
	expect_invalid(" example.com", NULL);
	expect_invalid("a\tb.com", NULL);
	expect_invalid("exa\x1bmple.com", NULL);
	expect_invalid("example.com\n", NULL);
	expect_invalid("exa\x7fmple.com", NULL);
}

static void
test_control_byte_input_escaped(void **state)
{
	struct mx_domain *d = dom("exa\x1bmple.com");

	(void)state;
	assert_int_equal(d->status, MXQ_EINVAL);
	assert_string_equal(d->input, "exa\\x1bmple.com");
	mx_domain_free(d);
}

static void
test_empty_and_dots(void **state)
{
	(void)state;
	expect_invalid("", NULL);
	expect_invalid(".", NULL);
	expect_invalid("...", NULL);
	expect_invalid("a..b", NULL);
	expect_invalid(".example.com", NULL);
}

static void
test_label_and_name_length(void **state)
{
	char text[300], want[80];

	(void)state;
	memset(text, 'a', 63);
	strcpy(text + 63, ".example");
	memcpy(want, text, 71);
	strcpy(want + 71, ".");
	expect_valid(text, want);
	memset(text, 'a', 64);
	strcpy(text + 64, ".example");
	expect_invalid(text, "63");

	/* 63.63.63.61 = 253 characters, the most a name can have. */
	memset(text, 'a', 253);
	text[63] = text[127] = text[191] = '.';
	text[253] = '\0';
	{
		struct mx_domain *d = dom(text);

		assert_int_equal(d->status, MXQ_OK);
		assert_int_equal(d->qname.len, 255);
		mx_domain_free(d);
	}
	text[253] = 'a';
	text[254] = '\0';
	expect_invalid(text, NULL);
}

static void
test_idn(void **state)
{
	struct mx_domain *d = dom("b\xc3\xbc" "cher.example");

	(void)state;
	assert_int_equal(d->status, MXQ_OK);
	assert_string_equal(d->qtext, "xn--bcher-kva.example.");
	assert_string_equal(d->input, "b\xc3\xbc" "cher.example");
	mx_domain_free(d);
}

static void
test_invalid_utf8(void **state)
{
	struct mx_domain *d = dom("\xff.com");

	(void)state;
	assert_int_equal(d->status, MXQ_EINVAL);
	assert_non_null(d->message);
	assert_string_equal(d->input, "\\xff.com");
	assert_null(d->qtext);
	mx_domain_free(d);
}

static void
test_idna_invalid(void **state)
{
	(void)state;
	expect_invalid("\xf0\x9f\x92\xa9.example", NULL);
}

static void
test_hyphens_accepted_as_typed(void **state)
{
	(void)state;
	/* Not hostnames, but DNS names: asked as typed. */
	expect_valid("-abc.example", "-abc.example.");
	expect_valid("abc-.example", "abc-.example.");
	expect_valid("_dmarc.example.com", "_dmarc.example.com.");
	expect_valid("_25._tcp.mx.example", "_25._tcp.mx.example.");
}

static void
test_nul_byte(void **state)
{
	struct mx_domain *d;

	(void)state;
	expect_invalid_len("exa\0mple.com", 12, NULL);
	d = input_domain("exa\0mple.com", 12, 0);
	assert_non_null(d);
	assert_string_equal(d->input, "exa\\x00mple.com");
	mx_domain_free(d);
	/* A NUL right after len is not part of the name. */
	expect_valid("example.com", "example.com.");
}

static void
test_line_too_long(void **state)
{
	char *text = malloc(INPUT_LINE_MAX);
	struct mx_domain *d;

	(void)state;
	assert_non_null(text);
	memset(text, 'a', INPUT_LINE_MAX);
	/* As input_next() hands it over: the start, and len (size_t)-1. */
	d = input_domain(text, (size_t)-1, 9);
	free(text);
	assert_non_null(d);
	assert_int_equal(d->status, MXQ_EINVAL);
	assert_non_null(d->message);
	assert_non_null(strstr(d->message, "too long"));
	assert_int_equal(d->line, 9);
	assert_null(d->qtext);
	/* Shown cut short, not whole. */
	assert_true(strlen(d->input) < 300);
	assert_int_equal(strncmp(d->input, "aaaa", 4), 0);
	assert_string_equal(d->input + strlen(d->input) - 3, "...");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_INVALID);
	mx_domain_free(d);
}

/* ---- input_open, input_next, input_count ---- */

/*
 * Open an input on a new temporary file holding content.  The file is
 * unlinked at once, so that nothing is left behind even when a test
 * fails half-way.
 */
static struct input *
temp_input(const char *content, size_t len)
{
	char path[] = "/tmp/mxq-test-input-XXXXXX";
	struct input *in = NULL;
	enum mxq_status st;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	if (write(fd, content, len) != (ssize_t)len || close(fd) != 0) {
		unlink(path);
		fail_msg("cannot write %s", path);
	}
	st = input_open(path, &in);
	unlink(path);
	assert_int_equal(st, MXQ_OK);
	assert_non_null(in);
	return in;
}

/*
 * input_next, reading (input_read) whenever it says that no whole line
 * is there yet, as mxq does when poll says the input is readable.
 */
static int
next(struct input *in, const char **text, size_t *len, size_t *line)
{
	int rc, reads = 0;

	while ((rc = input_next(in, text, len, line)) == 2) {
		/* Every read brings bytes or the end: no endless loop. */
		assert_true(++reads < 1000);
		if (input_read(in) < 0)
			return input_next(in, text, len, line);
	}
	return rc;
}

static void
expect_line(struct input *in, const char *want, size_t want_line)
{
	const char *text = NULL;
	size_t len = 0, line = 0;

	assert_int_equal(next(in, &text, &len, &line), 1);
	assert_non_null(text);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
	assert_int_equal(line, want_line);
}

/* A line over INPUT_LINE_MAX: len (size_t)-1 and its start in text. */
static void
expect_long_line(struct input *in, char first, size_t want_line)
{
	const char *text = NULL;
	size_t len = 0, line = 0, i;

	assert_int_equal(next(in, &text, &len, &line), 1);
	assert_int_equal(len, (size_t)-1);
	assert_non_null(text);
	assert_int_equal(strlen(text), INPUT_LINE_MAX);
	for (i = 0; i < INPUT_LINE_MAX; i++)
		assert_int_equal(text[i], first);
	assert_int_equal(line, want_line);
}

static void
expect_end(struct input *in)
{
	const char *text;
	size_t len, line;

	assert_int_equal(next(in, &text, &len, &line), 0);
	/* The end stays the end, read or not. */
	assert_int_equal(input_next(in, &text, &len, &line), 0);
	assert_int_equal(input_read(in), 0);
	assert_int_equal(input_next(in, &text, &len, &line), 0);
}

/*
 * 1 (blank), 2 comment, 3 spaces around, 4 tabs and CRLF, 5 blank CRLF,
 * 6 indented comment, 7 10,000 characters, 8 CRLF, 9 no final newline.
 */
static char *
sample(size_t *len)
{
	static const char head[] =
	    "\n"
	    "# comment\n"
	    "  example.com  \n"
	    "\texample.org\t\r\n"
	    "\r\n"
	    "   # indented comment\r\n";
	static const char tail[] =
	    "\n"
	    "after.example\r\n"
	    "last.example";
	size_t n = sizeof(head) - 1 + 10000 + sizeof(tail) - 1;
	char *s = malloc(n + 1);

	assert_non_null(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', 10000);
	memcpy(s + sizeof(head) - 1 + 10000, tail, sizeof(tail));
	*len = n;
	return s;
}

static void
test_file_lines(void **state)
{
	struct input *in;
	size_t len;
	char *content = sample(&len);

	(void)state;
	in = temp_input(content, len);
	free(content);
	expect_line(in, "example.com", 3);
	expect_line(in, "example.org", 4);
	expect_long_line(in, 'a', 7);
	expect_line(in, "after.example", 8);
	expect_line(in, "last.example", 9);
	expect_end(in);
	input_close(in);
}

static void
test_file_line_length_limit(void **state)
{
	struct input *in;
	size_t n = INPUT_LINE_MAX * 2 + 2 + 4;
	char *content = malloc(n);
	const char *text;
	size_t len, line;

	(void)state;
	assert_non_null(content);
	/* INPUT_LINE_MAX characters, then one more, then "x.y". */
	memset(content, 'a', INPUT_LINE_MAX);
	content[INPUT_LINE_MAX] = '\n';
	memset(content + INPUT_LINE_MAX + 1, 'b', INPUT_LINE_MAX + 1);
	memcpy(content + 2 * INPUT_LINE_MAX + 2, "\nx.y", 4);
	in = temp_input(content, n);
	free(content);
	assert_int_equal(next(in, &text, &len, &line), 1);
	assert_int_equal(len, INPUT_LINE_MAX);
	assert_int_equal(line, 1);
	expect_long_line(in, 'b', 2);
	expect_line(in, "x.y", 3);
	expect_end(in);
	input_close(in);
}

static void
test_file_empty_and_only_comments(void **state)
{
	struct input *in;

	(void)state;
	in = temp_input("", 0);
	expect_end(in);
	input_close(in);
	in = temp_input("# a\n\n  \t\n#b", 11);
	expect_end(in);
	input_close(in);
}

static void
test_file_missing(void **state)
{
	struct input *in = (struct input *)&in;

	(void)state;
	assert_int_equal(input_open("/nonexistent/mxq/domains.txt", &in),
	    MXQ_EUSAGE);
	/* Not written on failure. */
	assert_ptr_equal(in, (struct input *)&in);
}

static void
test_count_lines(void **state)
{
	struct input *in;

	(void)state;
	in = temp_input("a.example\n# c\n\nb.example\n", 25);
	assert_int_equal(input_count(in), 4);
	/* Counting does not move the reader. */
	expect_line(in, "a.example", 1);
	expect_line(in, "b.example", 4);
	expect_end(in);
	input_close(in);
}

static void
test_count_last_line_without_newline(void **state)
{
	struct input *in;
	size_t len;
	char *content = sample(&len);
	size_t n;

	(void)state;
	in = temp_input(content, len);
	free(content);
	n = input_count(in);
	input_close(in);
	/*
	 * Nine lines, the last one without a newline: input_next returns
	 * it as line 9, so the count (the progress total) must say 9.
	 */
	assert_int_equal(n, 9);
}

static void
test_stdin_not_closed(void **state)
{
	struct input *in = NULL;
	int open_before = fcntl(STDIN_FILENO, F_GETFD) != -1;

	(void)state;
	assert_int_equal(input_open("-", &in), MXQ_OK);
	assert_int_equal(input_fd(in), STDIN_FILENO);
	input_close(in);
	/* Closing the input leaves the process's stdin alone. */
	assert_int_equal(fcntl(STDIN_FILENO, F_GETFD) != -1, open_before);
	input_close(NULL);
}

/* ---- '@': only an unescaped one splits user@domain ---- */

static void
test_escaped_at_is_part_of_a_label(void **state)
{
	struct mx_domain *d;

	(void)state;
	/* "a\@b.example": one label "a@b", not the address of user a. */
	d = dom("a\\@b.example");
	assert_int_equal(d->status, MXQ_OK);
	assert_string_equal(d->qtext, "a\\@b.example.");
	assert_int_equal(d->qname.len, 1 + 3 + 1 + 7 + 1);
	assert_memory_equal(d->qname.data, "\3a@b\7example", 13);
	/* Shown as given, its backslash doubled (esc.h). */
	assert_string_equal(d->input, "a\\\\@b.example");
	mx_domain_free(d);
	/* A label of '@' alone, and one that ends with it. */
	expect_valid("\\@.example", "\\@.example.");
	expect_valid("b\\@.example", "b\\@.example.");
}

static void
test_decimal_escape_of_at_stays_in_label(void **state)
{
	struct mx_domain *d;

	(void)state;
	/* \064 is '@' too, and no separator either. */
	d = dom("a\\064b.example");
	assert_int_equal(d->status, MXQ_OK);
	assert_string_equal(d->qtext, "a\\@b.example.");
	assert_memory_equal(d->qname.data, "\3a@b\7example", 13);
	mx_domain_free(d);
	expect_valid("\\064.example", "\\@.example.");
	/* The digits of \064 are no part of anything else. */
	expect_valid("x\\0641.example", "x\\@1.example.");
}

static void
test_unescaped_at_splits(void **state)
{
	(void)state;
	/* The unescaped '@' splits; an escaped one stays in its label. */
	expect_valid("user@a\\@b.example", "a\\@b.example.");
	expect_valid("user@a\\064b.example", "a\\@b.example.");
	expect_valid("a\\@b@example.com", "example.com.");
	/* "\\" is an escaped backslash: the '@' after it is unescaped. */
	expect_valid("a\\\\@example.com", "example.com.");
	/* Two unescaped '@' are still malformed, escaped ones aside. */
	expect_invalid("a\\@b@c@example.com", NULL);
	expect_invalid("a\\@b@", NULL);
	expect_invalid("@a\\@b.example", NULL);
}

/* ---- input_read and input_next: reading is the caller's ---- */

static void
test_next_never_reads(void **state)
{
	struct input *in;
	const char *text;
	size_t len, line;

	(void)state;
	in = temp_input("a.example\nb.example\n", 20);
	/* Nothing read yet: no line, however often asked. */
	assert_int_equal(input_next(in, &text, &len, &line), 2);
	assert_int_equal(input_next(in, &text, &len, &line), 2);
	assert_int_equal(input_read(in), 1);
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_int_equal(len, 9);
	assert_memory_equal(text, "a.example", 9);
	assert_int_equal(line, 1);
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_memory_equal(text, "b.example", 9);
	assert_int_equal(line, 2);
	/* What was read is used up; the end is not known yet. */
	assert_int_equal(input_next(in, &text, &len, &line), 2);
	assert_int_equal(input_read(in), 0);
	assert_int_equal(input_next(in, &text, &len, &line), 0);
	input_close(in);
}

/* An input on the read end of a new pipe; *wfd gets the write end. */
static struct input *
pipe_input(int *wfd)
{
	struct input *in = NULL;
	char path[32];
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	assert_int_equal(input_open(path, &in), MXQ_OK);
	close(fds[0]);
	*wfd = fds[1];
	return in;
}

static void
put(int fd, const char *s, size_t n)
{
	assert_int_equal(write(fd, s, n), (ssize_t)n);
}

static void
test_pipe_half_lines(void **state)
{
	struct input *in;
	const char *text;
	size_t len, line;
	int w;

	(void)state;
	in = pipe_input(&w);
	/* A pipe has no line count. */
	assert_int_equal(input_count(in), 0);
	put(w, "a.example\nb.exa", 15);
	assert_int_equal(input_read(in), 1);
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_int_equal(len, 9);
	assert_memory_equal(text, "a.example", 9);
	/* Half a line is no line. */
	assert_int_equal(input_next(in, &text, &len, &line), 2);
	put(w, "mple\r\n# c\n\nc.example", 20);
	assert_int_equal(input_read(in), 1);
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_int_equal(len, 9);
	assert_memory_equal(text, "b.example", 9);
	assert_int_equal(line, 2);
	/* The comment and the blank line are skipped; c.example waits. */
	assert_int_equal(input_next(in, &text, &len, &line), 2);
	close(w);
	assert_int_equal(input_read(in), 0);
	/* At the end, a last line without its newline is a line. */
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_int_equal(len, 9);
	assert_memory_equal(text, "c.example", 9);
	assert_int_equal(line, 5);
	assert_int_equal(input_next(in, &text, &len, &line), 0);
	input_close(in);
}

static void
test_pipe_long_line_in_pieces(void **state)
{
	struct input *in;
	const char *text;
	char *chunk;
	size_t len, line, i, piece = INPUT_LINE_MAX / 2 + 100;
	int w;

	(void)state;
	chunk = malloc(piece);
	assert_non_null(chunk);
	memset(chunk, 'a', piece);
	in = pipe_input(&w);
	/* Three pieces of one line: more than INPUT_LINE_MAX in all. */
	for (i = 0; i < 3; i++) {
		put(w, chunk, piece);
		assert_int_equal(input_read(in), 1);
		assert_int_equal(input_next(in, &text, &len, &line), 2);
	}
	free(chunk);
	put(w, "aaa\nx.y\n", 8);
	assert_int_equal(input_read(in), 1);
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_int_equal(len, (size_t)-1);
	assert_int_equal(line, 1);
	assert_int_equal(strlen(text), INPUT_LINE_MAX);
	assert_int_equal(text[0], 'a');
	assert_int_equal(text[INPUT_LINE_MAX - 1], 'a');
	assert_int_equal(input_next(in, &text, &len, &line), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(text, "x.y", 3);
	assert_int_equal(line, 2);
	close(w);
	assert_int_equal(input_next(in, &text, &len, &line), 2);
	assert_int_equal(input_read(in), 0);
	assert_int_equal(input_next(in, &text, &len, &line), 0);
	input_close(in);
}

static void
test_next_after_read_error(void **state)
{
	char dir[] = "/tmp/mxq-test-dir-XXXXXX";
	struct input *in = NULL;
	const char *text;
	size_t len, line;
	enum mxq_status st;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	st = input_open(dir, &in);
	rmdir(dir);
	/* Refusing a directory at once would do too. */
	if (st == MXQ_EUSAGE)
		skip();
	assert_int_equal(st, MXQ_OK);
	/* read(2) of a directory fails (EISDIR): reported, -1. */
	rc = input_read(in);
	if (rc != -1)
		input_close(in);
	assert_int_equal(rc, -1);
	/*
	 * input.h: input_next returns "-1 after a read error".  Not 2,
	 * which asks for another input_read: mxq would loop on the
	 * error for ever.
	 */
	rc = input_next(in, &text, &len, &line);
	input_close(in);
	assert_int_equal(rc, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_domain),
		cmocka_unit_test(test_trailing_dot_and_case_kept),
		cmocka_unit_test(test_len_is_respected),
		cmocka_unit_test(test_email_address),
		cmocka_unit_test(test_email_malformed),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_ip_addresses),
		cmocka_unit_test(test_space_and_controls),
		cmocka_unit_test(test_control_byte_input_escaped),
		cmocka_unit_test(test_empty_and_dots),
		cmocka_unit_test(test_label_and_name_length),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_idna_invalid),
		cmocka_unit_test(test_hyphens_accepted_as_typed),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_file_lines),
		cmocka_unit_test(test_file_line_length_limit),
		cmocka_unit_test(test_file_empty_and_only_comments),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_count_lines),
		cmocka_unit_test(test_count_last_line_without_newline),
		cmocka_unit_test(test_stdin_not_closed),
		cmocka_unit_test(test_escaped_at_is_part_of_a_label),
		cmocka_unit_test(test_decimal_escape_of_at_stays_in_label),
		cmocka_unit_test(test_unescaped_at_splits),
		cmocka_unit_test(test_next_never_reads),
		cmocka_unit_test(test_pipe_half_lines),
		cmocka_unit_test(test_pipe_long_line_in_pieces),
		cmocka_unit_test(test_next_after_read_error),
	};

	return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
