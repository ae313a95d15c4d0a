/*
 * libcurl, loaded when it is first needed.
 *
 * Only the MTA-STS policy fetch of --smtp uses libcurl, but linking it
 * brings some 25 more shared libraries (GnuTLS, Kerberos, LDAP, ...) whose
 * start-up made every run of mxq 2.5 ms slower (4.0 ms against 1.5 ms for
 * an empty program linked with OpenSSL alone, measured here): a tenth of
 * a round trip for the single lookup people type, for nothing.  So mxq is
 * not linked with libcurl; this file defines the libcurl functions that
 * src/sts.c calls, and the first call to curl_global_init() loads
 * libcurl.so.4 and looks the real ones up.  Until then, and when loading
 * failed, each returns its failure value (CURLE_FAILED_INIT, NULL).
 *
 * curl_easy_setopt() and curl_easy_getinfo() take one argument after the
 * option, whose type the option's number range gives (curl.h: CURLOPTTYPE_*,
 * CURLINFO_TYPEMASK); it is passed on as that type.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>

#include "mxq/sts.h"

#define CURL_SONAME "libcurl.so.4"

static struct {
	void *lib;
	const char *error;
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} C;

/* dlsym() returns an object pointer; POSIX makes it convertible. */
#define LOOKUP(field, name)						\
	do {								\
		void *p_ = dlsym(C.lib, name);				\
		if (p_ == NULL)						\
			goto missing;					\
		*(void **)&C.field = p_;				\
	} while (0)

static int
load(void)
{
	if (C.lib != NULL)
		return 0;
	C.lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (C.lib == NULL) {
		C.error = "cannot load " CURL_SONAME;
		return -1;
	}
	LOOKUP(global_init, "curl_global_init");
	LOOKUP(global_cleanup, "curl_global_cleanup");
	LOOKUP(easy_init, "curl_easy_init");
	LOOKUP(easy_cleanup, "curl_easy_cleanup");
	LOOKUP(easy_perform, "curl_easy_perform");
	LOOKUP(easy_setopt, "curl_easy_setopt");
	LOOKUP(easy_getinfo, "curl_easy_getinfo");
	LOOKUP(easy_strerror, "curl_easy_strerror");
	LOOKUP(slist_append, "curl_slist_append");
	LOOKUP(slist_free_all, "curl_slist_free_all");
	C.error = NULL;
	return 0;
missing:
	C.error = CURL_SONAME " lacks a function mxq calls";
	dlclose(C.lib);
	C.lib = NULL;
	return -1;
}

const char *
sts_library_error(void)
{
	return C.error != NULL ? C.error : "initialisation failed";
}

CURLcode
curl_global_init(long flags)
{
	if (load() != 0)
		return CURLE_FAILED_INIT;
	return C.global_init(flags);
}

/* The library stays loaded: libcurl's own cleanup is all there is. */
void
curl_global_cleanup(void)
{
	if (C.lib != NULL)
		C.global_cleanup();
}

CURL *
curl_easy_init(void)
{
	return C.lib != NULL ? C.easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *h)
{
	if (C.lib != NULL)
		C.easy_cleanup(h);
}

CURLcode
curl_easy_perform(CURL *h)
{
	return C.lib != NULL ? C.easy_perform(h) : CURLE_FAILED_INIT;
}

CURLcode
curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode rc;

	if (C.lib == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = C.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = C.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T) {
		/* Function pointers travel as such. */
		void (*fn)(void) = va_arg(ap, void (*)(void));

		rc = C.easy_setopt(h, opt, fn);
	} else if (opt < CURLOPTTYPE_BLOB)
		rc = C.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = C.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer to where the value goes. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	if (C.lib == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return C.easy_getinfo(h, info, p);
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return C.lib != NULL ? C.easy_strerror(rc) : "libcurl not loaded";
}

struct curl_slist *
curl_slist_append(struct curl_slist *list, const char *s)
{
	return C.lib != NULL ? C.slist_append(list, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *list)
{
	if (C.lib != NULL)
		C.slist_free_all(list);
}
