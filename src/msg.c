/* The one place that writes diagnostics. */
#include <stdarg.h>
#include <stdio.h>

#include "mxq/msg.h"

void
msg_err(const char *fmt, ...)
{
	va_list ap;

	fputs("mxq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
