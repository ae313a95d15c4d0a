/* Domains from arguments or from lines of a file, ready for lookup. */
#ifndef MXQ_INPUT_H
#define MXQ_INPUT_H

#include <stddef.h>

#include "mxq/mx.h"
#include "mxq/status.h"

/* Longest input line read; longer lines are reported, not read whole. */
#define INPUT_LINE_MAX 4096

struct input;

/*
 * Open a file of domains ("-" is stdin).  MXQ_EUSAGE with a message on
 * stderr when it cannot be opened, MXQ_ENOMEM.
 */
enum mxq_status input_open(const char *path, struct input **out);

/*
 * Next domain line from what has been read: blank lines and lines
 * starting with '#' are skipped, surrounding white space is trimmed.
 * Never reads, so never blocks.  Returns 1 and sets *text and *len
 * (valid until the next call) and *lineno; 0 at the end; 2 when no
 * whole line is there yet (call input_read); -1 after a read error
 * (reported on stderr).  A line longer than INPUT_LINE_MAX comes back
 * with *len == (size_t)-1 and its first INPUT_LINE_MAX bytes in *text,
 * which input_domain() turns into an invalid entry.
 */
int input_next(struct input *in, const char **text, size_t *len,
    size_t *lineno);

/*
 * Read what is there with one read(2), which blocks only when nothing
 * is (poll input_fd first to avoid that): 1 when bytes came, 0 at the
 * end, -1 on a read error (reported).
 */
int input_read(struct input *in);

/*
 * Number of lines of the input when it is a regular file (stdin too, when
 * redirected from one), or 0 when unknown (pipes, terminals).
 */
size_t input_count(struct input *in);

/* The file descriptor read, to wait on it. */
int input_fd(const struct input *in);

void input_close(struct input *in);

/*
 * Make a model entry for one domain as given (len bytes, not NUL-
 * terminated necessarily).  A name that is not valid gets status
 * MXQ_EINVAL and a message, and still comes back, so that it keeps its
 * place in the output.  An e-mail address stands for its domain part.
 * NULL when out of memory.
 */
struct mx_domain *input_domain(const char *text, size_t len, size_t lineno);

#endif
