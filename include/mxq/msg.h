/* Diagnostics on stderr, all in the form "mxq: <subject>: <problem>". */
#ifndef MXQ_MSG_H
#define MXQ_MSG_H

#if defined(__GNUC__)
#define MXQ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MXQ_PRINTF(a, b)
#endif

/*
 * Print "mxq: " and the formatted message and a newline on stderr.
 * Callers escape any untrusted text first (esc_dup, wire_name_to_text).
 */
void msg_err(const char *fmt, ...) MXQ_PRINTF(1, 2);

#endif
