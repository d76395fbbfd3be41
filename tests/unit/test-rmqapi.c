/*
 * test-rmqapi.c - what rmqapi.c reads from the RabbitMQ management API and
 * the credentials file: the three listings (tags as an array, RabbitMQ 3.9
 * and later, and as "a,b" before; a user without a password hash; a
 * permission without its three patterns), answers that are not what was
 * asked for, the credentials file's lines (errors name file and line), the
 * URL checks, and the escaping of path segments.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmqapi.h"
#include "tap.h"

#define S(x) x, strlen(x)

static void
test_listings(void)
{
	struct rmqapi_user u;
	char *cause = NULL, *perm[3];
	int found;

	ok(rmqapi_parse_vhosts(S("[{\"name\":\"/\"},{\"name\":\"bk_job\"}]"),
	    "bk_job", &found, &cause) == 0 && found, "vhost found");
	ok(rmqapi_parse_vhosts(S("[{\"name\":\"bk_job2\"}]"), "bk_job",
	    &found, &cause) == 0 && !found, "a longer name is not the vhost");
	ok(rmqapi_parse_vhosts(S("<html>"), "bk_job", &found, &cause) ==
	    -JF_ERR_PARSE && strstr(cause, "/api/vhosts: not JSON") != NULL,
	    "a page is not a listing: %s", cause);
	free(cause);
	cause = NULL;
	ok(rmqapi_parse_vhosts(S("{\"error\":\"x\"}"), "bk_job", &found,
	    &cause) == -JF_ERR_PARSE && strstr(cause, "not a JSON array"),
	    "an object is not a listing");
	free(cause);
	cause = NULL;

	ok(rmqapi_parse_users(S("[{\"name\":\"bk_job\",\"password_hash\":"
	    "\"h4=\",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\","
	    "\"tags\":[\"management\",\"monitoring\"]}]"), "bk_job", &u,
	    &cause) == 0 && u.found, "user found");
	is_str(u.tags, "management,monitoring", "tags from an array");
	is_str(u.hash, "h4=", "its password hash");
	is_str(u.algorithm, "rabbit_password_hashing_sha256", "and algorithm");
	rmqapi_user_free(&u);
	ok(rmqapi_parse_users(S("[{\"name\":\"bk_job\",\"password_hash\":\"\","
	    "\"tags\":\"administrator,management\"}]"), "bk_job", &u, &cause)
	    == 0 && u.found && u.hash != NULL && *u.hash == '\0',
	    "no password: an empty hash, sent back as it is");
	is_str(u.tags, "administrator,management", "tags from a string");
	rmqapi_user_free(&u);
	ok(rmqapi_parse_users(S("[{\"name\":\"bk_job\",\"password_hash\":7,"
	    "\"tags\":{\"a\":1}}]"), "bk_job", &u, &cause) == 0 && u.found &&
	    u.hash == NULL, "a hash that is no string: none that can be sent "
	    "back");
	rmqapi_user_free(&u);
	ok(rmqapi_parse_users(S("[{\"name\":\"guest\",\"tags\":[]}]"),
	    "bk_job", &u, &cause) == 0 && !u.found, "user not found");
	rmqapi_user_free(&u);

	ok(rmqapi_parse_permissions(S("[{\"user\":\"x\",\"configure\":\"\","
	    "\"write\":\"\",\"read\":\"\"},{\"user\":\"bk_job\",\"configure\":"
	    "\".*\",\"write\":\"w\",\"read\":\"\"}]"), "bk_job", &found, perm,
	    &cause) == 0 && found, "permission found");
	is_str(perm[0], ".*", "configure");
	is_str(perm[1], "w", "write");
	is_str(perm[2], "", "read, empty");
	free(perm[0]);
	free(perm[1]);
	free(perm[2]);
	ok(rmqapi_parse_permissions(S("[{\"user\":\"bk_job\",\"configure\":"
	    "\".*\"}]"), "bk_job", &found, perm, &cause) == -JF_ERR_PARSE &&
	    strstr(cause, "without configure, write and read") != NULL,
	    "a permission without its patterns is refused");
	free(cause);
	cause = NULL;
}

static void
test_credentials(void)
{
	char *user, *pass, *cause = NULL;
	struct rmqapi *a;

	ok(rmqapi_parse_credentials(S("# admin\n\nuser = admin\r\n"
	    "password =  s3 cr=t \n"), "/etc/c", &user, &pass, &cause) == 0,
	    "credentials parse");
	is_str(user, "admin", "user");
	is_str(pass, "s3 cr=t", "password: inner spaces and = kept");
	free(user);
	free_secret(pass);
	ok(rmqapi_parse_credentials(S("user = a\nadmin\n"), "/etc/c", &user,
	    &pass, &cause) == -JF_ERR_PARSE && strstr(cause, "/etc/c:2: not "
	    "\"KEY = VALUE\"") != NULL && user == NULL && pass == NULL,
	    "a line without =: file and line");
	free(cause);
	cause = NULL;
	ok(rmqapi_parse_credentials(S("user = a\nPw-Secret-9: x= b\n"),
	    "/etc/c", &user, &pass, &cause) == -JF_ERR_PARSE && strstr(cause,
	    "/etc/c:2: not a \"user = NAME\"") != NULL && strstr(cause,
	    "Pw-Secret") == NULL, "an unknown key: file and line, the line "
	    "not quoted (it may be the password)");
	free(cause);
	cause = NULL;
	ok(rmqapi_parse_credentials(S("user = a\n"), "/etc/c", &user, &pass,
	    &cause) == -JF_ERR_PARSE && strstr(cause, "no \"password = "
	    "SECRET\" line") != NULL, "no password line");
	free(cause);
	cause = NULL;
	ok(rmqapi_parse_credentials(S("user = a\npassword =\n"), "/etc/c",
	    &user, &pass, &cause) == -JF_ERR_PARSE && strstr(cause,
	    "password is empty") != NULL, "an empty password");
	free(cause);
	cause = NULL;

	ok(rmqapi_new("http://u:p@127.0.0.1:15672", S("user = a\npassword = "
	    "b1b\n"), "/etc/c", 0, &a, &cause) == -JF_ERR_USAGE && strstr(cause,
	    "holds a login") != NULL && strstr(cause, "u:p") == NULL,
	    "a login in the URL is refused, and not shown");
	free(cause);
	cause = NULL;
	ok(rmqapi_new("127.0.0.1:15672", S("user = a\npassword = b1b\n"),
	    "/etc/c", 0, &a, &cause) == -JF_ERR_USAGE, "a URL without a "
	    "scheme is refused");
	free(cause);
	cause = NULL;
	ok(rmqapi_new("http://127.0.0.1:15672//", S("user = a\npassword = "
	    "b1b\n"), "/etc/c", 0, &a, &cause) == 0, "a good URL");
	is_str(a->base, "http://127.0.0.1:15672", "trailing slashes dropped");
	ok(rmqapi_call(a, 0, "PUT", "/api/vhosts/x", "{}", NULL, NULL,
	    &cause) == -JF_ERR_PROGRAM && strstr(cause, "only GET") != NULL,
	    "a PUT outside the executor is a programming error");
	free(cause);
	rmqapi_unref(a);
}

static void
test_escape(void)
{
	char *e;

	e = rmqapi_escape("/");
	is_str(e, "%2F", "vhost / is %%2F");
	free(e);
	e = rmqapi_escape("bk_job-1.a~b c%/?#");
	is_str(e, "bk_job-1.a~b%20c%25%2F%3F%23", "unreserved kept, the rest "
	    "encoded");
	free(e);
}

int
main(void)
{
	test_listings();
	test_credentials();
	test_escape();
	return tap_done();
}
