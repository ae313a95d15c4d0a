/* Internationalized domain names (libidn2, IDNA2008 non-transitional). */
#ifndef MXQ_IDN_H
#define MXQ_IDN_H

#include "mxq/status.h"

/*
 * Convert a name as typed (UTF-8) to its A-label form.  Names made only
 * of ASCII bytes are copied unchanged, underscores and all; only names
 * with a byte >= 0x80 go through IDNA2008.  On success *out is a new
 * string the caller frees.  MXQ_EINVAL with a static reason in *why when
 * the name is not valid IDNA, MXQ_ENOMEM.
 */
enum mxq_status idn_to_ascii(const char *in, char **out, const char **why);

/*
 * Given the presentation form of a name (escaped, with the final dot),
 * return in *out a new string where each A-label that round-trips
 * exactly (decode, then encode gives the same label) is replaced by its
 * U-label and every other label is kept as it is.  A name with any
 * escape (a byte that no host name holds) is left alone.  *out is NULL
 * when no label changed.  MXQ_OK or MXQ_ENOMEM.
 */
enum mxq_status idn_to_display(const char *text, char **out);

/* Version string of the libidn2 in use. */
const char *idn_version(void);

#endif
