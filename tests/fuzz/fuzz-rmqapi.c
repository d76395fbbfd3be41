/*
 * fuzz-rmqapi.c - the RabbitMQ management API's answers and the
 * credentials file, as rmqapi.c parses them: any bytes must parse or fail
 * saying why; what parses holds what was asked for (a found user has its
 * tags, a found permission its three patterns, a credentials file a user
 * and a password of one line each), and an escaped path segment holds only
 * unreserved bytes and %XX.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmqapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *text = (const char *)data;
	struct rmqapi_user u;
	char *cause = NULL, *perm[3], *user, *pass, *seg, *e;
	int found, r;
	size_t i;

	r = rmqapi_parse_vhosts(text, len, "bk_job", &found, &cause);
	if (r != 0 && cause == NULL)
		abort();
	free(cause);
	cause = NULL;

	r = rmqapi_parse_users(text, len, "bk_job", &u, &cause);
	if ((r != 0 && cause == NULL) || (r == 0 && u.found && u.tags == NULL))
		abort();
	rmqapi_user_free(&u);
	free(cause);
	cause = NULL;

	r = rmqapi_parse_permissions(text, len, "bk_job", &found, perm, &cause);
	if (r != 0 && cause == NULL)
		abort();
	if (r == 0 && found)
		for (i = 0; i < 3; i++)
			if (perm[i] == NULL)
				abort();
	for (i = 0; r == 0 && found && i < 3; i++)
		free(perm[i]);
	free(cause);
	cause = NULL;

	r = rmqapi_parse_credentials(text, len, "fuzz.cred", &user, &pass,
	    &cause);
	if (r != 0 && (cause == NULL || user != NULL || pass != NULL))
		abort();
	if (r == 0 && (*user == '\0' || *pass == '\0' ||
	    strchr(user, '\n') != NULL || strchr(pass, '\n') != NULL))
		abort();
	if (r == 0) {
		free(user);
		free_secret(pass);
	}
	free(cause);

	seg = xstrndup(text, len);
	e = rmqapi_escape(seg);
	for (i = 0; e[i] != '\0'; i++)
		if (!isalnum((unsigned char)e[i]) && strchr("-._~%", e[i]) ==
		    NULL)
			abort();
	free(e);
	free(seg);
	return 0;
}
