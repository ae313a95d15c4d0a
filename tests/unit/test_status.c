/* Unit tests for src/status.c: the one mapping from statuses to exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mxq/status.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Every status, in enum order, with the exit code it stands for
 * (mxq(1), EXIT STATUS) and whether it means "ask again later".
 */
static const struct {
	enum mxq_status st;
	enum mxq_exit exit;
	int temporary;
} expect[] = {
	{ MXQ_OK, 0, 0 },
	{ MXQ_ENXDOMAIN, 1, 0 },
	{ MXQ_ENODATA, 1, 0 },
	{ MXQ_EUNROUTABLE, 1, 0 },
	{ MXQ_ETIMEOUT, 3, 1 },
	{ MXQ_ESERVFAIL, 3, 1 },
	{ MXQ_EREFUSED, 3, 1 },
	{ MXQ_ERCODE, 3, 1 },
	{ MXQ_EREFERRAL, 3, 1 },
	{ MXQ_ELAME, 3, 1 },
	{ MXQ_EBOGUS, 3, 1 },
	{ MXQ_EMALFORMED, 3, 1 },
	{ MXQ_EUNREACH, 3, 1 },
	{ MXQ_ELIMIT, 3, 1 },
	{ MXQ_EUSAGE, 2, 0 },
	{ MXQ_EINVAL, 2, 0 },
	{ MXQ_ENOMEM, 4, 0 },
	{ MXQ_EIO, 4, 0 },
	{ MXQ_EINTERNAL, 4, 0 },
};

static void
test_table_covers_every_status(void **state)
{
	size_t i;

	(void)state;
	/* A new enum value must get a row here. */
	assert_int_equal(N(expect), MXQ_STATUS_COUNT);
	for (i = 0; i < N(expect); i++)
		assert_int_equal(expect[i].st, i);
}

static void
test_exit_code_of_every_status(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(expect); i++) {
		enum mxq_exit got = status_exit_code(expect[i].st);

		if (got != expect[i].exit)
			print_error("status %s: exit %d, expected %d\n",
			    status_name(expect[i].st), (int)got,
			    (int)expect[i].exit);
		assert_int_equal(got, expect[i].exit);
	}
}

static void
test_exit_code_out_of_range_is_internal(void **state)
{
	(void)state;
	assert_int_equal(status_exit_code((enum mxq_status)MXQ_STATUS_COUNT),
	    MXQ_EXIT_INTERNAL);
	assert_int_equal(status_exit_code((enum mxq_status)-1),
	    MXQ_EXIT_INTERNAL);
}

static void
test_exit_enum_values(void **state)
{
	(void)state;
	/* Scripts branch on these numbers: they are the contract. */
	assert_int_equal(MXQ_EXIT_ROUTE, 0);
	assert_int_equal(MXQ_EXIT_NOROUTE, 1);
	assert_int_equal(MXQ_EXIT_USAGE, 2);
	assert_int_equal(MXQ_EXIT_TEMP, 3);
	assert_int_equal(MXQ_EXIT_INTERNAL, 4);
	assert_int_equal(MXQ_EXIT_PROBLEMS, 5);
}

static void
test_exit_worst_all_pairs(void **state)
{
	/* worst[a][b], by hand from 4 > 2 > 3 > 1 > 5 > 0. */
	static const int worst[6][6] = {
		/* b:  0  1  2  3  4  5 */
		{ 0, 1, 2, 3, 4, 5 },	/* a = 0 */
		{ 1, 1, 2, 3, 4, 1 },	/* a = 1 */
		{ 2, 2, 2, 2, 4, 2 },	/* a = 2 */
		{ 3, 3, 2, 3, 4, 3 },	/* a = 3 */
		{ 4, 4, 4, 4, 4, 4 },	/* a = 4 */
		{ 5, 1, 2, 3, 4, 5 },	/* a = 5 */
	};
	int a, b;

	(void)state;
	for (a = 0; a < 6; a++)
		for (b = 0; b < 6; b++) {
			int got = (int)status_exit_worst((enum mxq_exit)a,
			    (enum mxq_exit)b);

			if (got != worst[a][b])
				print_error("worst(%d, %d) = %d, expected "
				    "%d\n", a, b, got, worst[a][b]);
			assert_int_equal(got, worst[a][b]);
		}
}

static void
test_exit_worst_folds_a_sequence(void **state)
{
	static const enum mxq_exit seq[] = { 0, 1, 3, 1, 0, 2, 3, 0 };
	enum mxq_exit e = MXQ_EXIT_ROUTE;
	size_t i;

	(void)state;
	for (i = 0; i < N(seq); i++)
		e = status_exit_worst(e, seq[i]);
	/* A usage error (2) outranks the temporary failure (3). */
	assert_int_equal(e, MXQ_EXIT_USAGE);
}

static void
test_names_unique_and_lower_case(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < MXQ_STATUS_COUNT; i++) {
		const char *n = status_name((enum mxq_status)i);
		const char *p;

		assert_non_null(n);
		assert_true(n[0] != '\0');
		for (p = n; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '-');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n,
			    status_name((enum mxq_status)j));
	}
}

static void
test_names_of_dns_statuses(void **state)
{
	(void)state;
	/* The status tokens of mxq(1), JSON FIELDS, as they appear in JSON. */
	assert_string_equal(status_name(MXQ_OK), "ok");
	assert_string_equal(status_name(MXQ_ENXDOMAIN), "nxdomain");
	assert_string_equal(status_name(MXQ_ENODATA), "nodata");
	assert_string_equal(status_name(MXQ_ETIMEOUT), "timeout");
	assert_string_equal(status_name(MXQ_ESERVFAIL), "servfail");
	assert_string_equal(status_name(MXQ_EREFUSED), "refused");
	assert_string_equal(status_name(MXQ_EMALFORMED), "malformed");
	assert_string_equal(status_name(MXQ_EREFERRAL), "referral");
	assert_string_equal(status_name(MXQ_ELAME), "lame");
	assert_string_equal(status_name(MXQ_EBOGUS), "bogus");
}

static void
test_messages_present_and_distinct(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < MXQ_STATUS_COUNT; i++) {
		const char *m = status_message((enum mxq_status)i);

		assert_non_null(m);
		assert_true(m[0] != '\0');
		/* "mxq: <subject>: <problem>": no final period. */
		assert_true(m[strlen(m) - 1] != '.');
		for (j = 0; j < i; j++)
			assert_string_not_equal(m,
			    status_message((enum mxq_status)j));
	}
	assert_string_equal(status_message(MXQ_ENXDOMAIN), "no such domain");
}

static void
test_is_temporary(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(expect); i++) {
		int got = status_is_temporary(expect[i].st) != 0;

		if (got != expect[i].temporary)
			print_error("status %s: temporary %d, expected %d\n",
			    status_name(expect[i].st), got,
			    expect[i].temporary);
		assert_int_equal(got, expect[i].temporary);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_covers_every_status),
		cmocka_unit_test(test_exit_code_of_every_status),
		cmocka_unit_test(test_exit_code_out_of_range_is_internal),
		cmocka_unit_test(test_exit_enum_values),
		cmocka_unit_test(test_exit_worst_all_pairs),
		cmocka_unit_test(test_exit_worst_folds_a_sequence),
		cmocka_unit_test(test_names_unique_and_lower_case),
		cmocka_unit_test(test_names_of_dns_statuses),
		cmocka_unit_test(test_messages_present_and_distinct),
		cmocka_unit_test(test_is_temporary),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
