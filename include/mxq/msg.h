/*
 * Everything mxq writes on stderr: diagnostics "mxq: <subject>:
 * <problem>", plain lines (hints, the summary of -v), and the progress
 * line, which any other message clears first so that the two never
 * share a line.
 */
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

/* Print the formatted text as it is (add the newline yourself). */
void msg_plain(const char *fmt, ...) MXQ_PRINTF(1, 2);

/*
 * Show progress: on a terminal, one line redrawn in place; elsewhere a
 * plain "mxq: ..." line (the caller keeps those seconds apart).
 */
void msg_progress(int terminal, const char *fmt, ...) MXQ_PRINTF(2, 3);

/* Clear the progress line when one is shown. */
void msg_progress_clear(void);

#endif
