#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"

Test(buf, append_grows_and_terminates)
{
	oc_buf b = OC_BUF_INIT;
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(oc_buf_append(&b, "ab", 2), 0);
	cr_assert_eq(b.len, 2000);
	cr_assert_eq(b.data[2000], '\0');
	cr_assert_eq(strncmp(b.data + 1998, "ab", 2), 0);
	oc_buf_free(&b);
	cr_assert_null(b.data);
}

Test(buf, printf_and_reset)
{
	oc_buf b = OC_BUF_INIT;
	cr_assert_eq(oc_buf_printf(&b, "%s=%d", "x", 42), 0);
	cr_assert_str_eq(b.data, "x=42");
	oc_buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(b.data, "");
	oc_buf_puts(&b, "y");
	char *s = oc_buf_steal(&b);
	cr_assert_str_eq(s, "y");
	cr_assert_null(b.data);
	free(s);
}

Test(buf, steal_of_empty_is_empty_string)
{
	oc_buf b = OC_BUF_INIT;
	char *s = oc_buf_steal(&b);
	cr_assert_str_eq(s, "");
	free(s);
}
