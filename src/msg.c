/* The one place that writes on stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "mxq/msg.h"

/*
 * Whether a progress line stands on the terminal now.  stderr is one
 * for the whole process, and so is this: the one piece of state that
 * is not handed around, because every module may need to clear it.
 */
static int progress_live;

void
msg_progress_clear(void)
{
	if (progress_live)
		fputs("\r\033[K", stderr);
	progress_live = 0;
}

void
msg_err(const char *fmt, ...)
{
	va_list ap;

	msg_progress_clear();
	fputs("mxq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
msg_plain(const char *fmt, ...)
{
	va_list ap;

	msg_progress_clear();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void
msg_progress(int terminal, const char *fmt, ...)
{
	va_list ap;

	fputs(terminal ? "\r\033[Kmxq: " : "mxq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (terminal) {
		progress_live = 1;
		fflush(stderr);
	} else {
		fputc('\n', stderr);
	}
}
