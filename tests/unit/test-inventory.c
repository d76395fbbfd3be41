/*
 * test-inventory.c - the fleet inventory and host specs: good lines, every
 * kind of bad line (named by its line number), CRLF, NUL, huge lines,
 * duplicates, quoting.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "tap.h"
#include "util.h"

static struct inventory *
parse(const char *text, char **cause)
{
	free(*cause);
	*cause = NULL;
	return inventory_parse("inv", text, strlen(text), cause);
}

static void
spec_ok(const char *spec, const char *user, const char *host, int port)
{
	char *u = NULL, *h = NULL, *cause = NULL;
	int p = -1;

	ok(hostspec_parse(spec, &u, &h, &p, &cause) == 0, "spec \"%s\" parses",
	    spec);
	ok((user == NULL && u == NULL) || (user && u && strcmp(user, u) == 0),
	    "spec \"%s\": user \"%s\"", spec, u ? u : "(none)");
	is_str(h ? h : "", host, "spec \"%s\": host", spec);
	is_int(p, port, "spec \"%s\": port", spec);
	free(u);
	free(h);
	free(cause);
}

static void
spec_bad(const char *spec, const char *why)
{
	char *u = NULL, *h = NULL, *cause = NULL;
	int p = 0;

	ok(hostspec_parse(spec, &u, &h, &p, &cause) == -JF_ERR_PARSE &&
	    cause != NULL && strstr(cause, why) != NULL, "spec \"%s\" refused: "
	    "%s", spec, cause ? cause : "(no cause)");
	ok(u == NULL && h == NULL, "spec \"%s\": nothing handed back", spec);
	free(cause);
}

static void
inv_bad(const char *text, const char *want, const char *name)
{
	struct inventory *inv;
	char *cause = NULL;

	inv = parse(text, &cause);
	ok(inv == NULL && cause != NULL && strstr(cause, want) != NULL,
	    "%s: \"%s\"", name, cause ? cause : "(parsed)");
	inventory_free(inv);
	free(cause);
}

int
main(void)
{
	struct inventory *inv;
	char *cause = NULL, *big;
	size_t i;

	spec_ok("host", NULL, "host", 0);
	spec_ok("10.0.0.5:2222", NULL, "10.0.0.5", 2222);
	spec_ok("root@h-1.example.com", "root", "h-1.example.com", 0);
	spec_ok("deploy@[fe80::1]:22", "deploy", "fe80::1", 22);
	spec_ok("[::1]", NULL, "::1", 0);
	spec_ok("a@b@c", "a@b", "c", 0);
	spec_bad("", "no host");
	spec_bad("@host", "empty user");
	spec_bad("host:", "port");
	spec_bad("host:0", "port");
	spec_bad("host:65536", "port");
	spec_bad("host:99999999999999999999", "port");
	spec_bad("host:22x", "port");
	spec_bad("ho st", "bad character");
	spec_bad("host/x", "bad character");
	spec_bad("[::1", "without ']'");
	spec_bad("[]", "empty address");
	spec_bad("[zz]", "IPv6");
	spec_bad("us er@host", "user name");

	inv = parse("# fleet\n"
	    "; another comment\n"
	    "\n"
	    "loose1\n"
	    "[agents]\n"
	    "  10.0.0.5   # trailing comment\n"
	    "root@10.0.0.6:2222 cloudid=0 root=/data/bkce agent.port=48534\r\n"
	    "[web-1]\n"
	    "h3 name=\"gse agent \\\"7\\\"\" policy.gse-agent-restart.mode=auto\n"
	    "[agents]\n"
	    "h4", &cause);
	ok(inv != NULL, "a good inventory parses (%s)", cause ? cause : "");
	if (inv == NULL)
		return tap_done();
	is_int((int)inv->n, 5, "five hosts");
	is_int((int)inv->ngroups, 2, "two groups, [agents] counted once");
	ok(inv->hosts[0].group == NULL, "a host before any group has none");
	is_str(inv->hosts[1].group, "agents", "group of line 6");
	is_int(inv->hosts[1].line, 6, "line numbers kept");
	is_str(inv->hosts[2].user, "root", "user");
	is_int(inv->hosts[2].port, 2222, "port");
	is_int((int)inv->hosts[2].nset, 3, "three settings, CR dropped");
	is_str(inv->hosts[2].set[0].key, "agent.cloudid", "cloudid alias");
	is_str(inv->hosts[2].set[0].value, "0", "cloudid value");
	is_str(inv->hosts[2].set[1].key, "site.root", "root alias");
	is_str(inv->hosts[2].set[2].key, "agent.port", "a full setting name");
	is_str(inv->hosts[2].set[2].value, "48534", "its value, CR dropped");
	is_str(inv->hosts[3].group, "web-1", "second group");
	is_str(inv->hosts[3].set[0].key, "site.host_name", "name alias");
	is_str(inv->hosts[3].set[0].value, "gse agent \"7\"", "quoted value");
	is_str(inv->hosts[3].set[1].key, "policy.gse-agent-restart.mode",
	    "policy.* settings pass");
	is_str(inv->hosts[4].group, "agents", "back to [agents]");
	is_str(inv->hosts[4].spec, "h4", "no final newline");
	inventory_free(inv);

	inv = parse("", &cause);
	ok(inv != NULL && inv->n == 0, "an empty inventory has no hosts");
	inventory_free(inv);
	inv = parse("\n\n# only comments\r\n", &cause);
	ok(inv != NULL && inv->n == 0, "comments only: no hosts");
	inventory_free(inv);

	inv_bad("a\nb\nbogus=1\n", "inv:3:", "a setting without a host");
	inv_bad("a\nb c\n", "inv:2: \"c\": settings are KEY=VALUE",
	    "a word that is not a setting");
	inv_bad("a\nh nosuch.setting=1\n", "inv:2: unknown setting",
	    "an unknown setting");
	inv_bad("h root=\"/a b\n", "inv:1: unterminated", "unterminated quote");
	inv_bad("h =x\n", "settings are KEY=VALUE", "empty key");
	inv_bad("[grp] extra\n", "inv:1: text after the group name",
	    "text after a group");
	inv_bad("[grp\n", "inv:1: '[' without ']'", "unterminated group");
	inv_bad("a\nb\na:22\nb\n", "inv:4: host \"b\" is already listed on "
	    "line 2", "duplicate host (the first duplicate line is named)");
	inv_bad("x\nh:70000\n", "inv:2:", "bad port names the line");
	/* once the default port is known, "h" and "h:22" are one host */
	inv = parse("h\nother\nh:22\n", &cause);
	ok(inv != NULL, "h and h:22 parse (the default port is not known)");
	ok(inv != NULL && inventory_check_ports(inv, 22, &cause) != 0 &&
	    cause != NULL && strstr(cause, "inv:3: host \"h:22\" is already "
	    "listed on line 1 (the same address and port)") != NULL,
	    "h and h:22 with ssh.port 22: a duplicate (%s)", cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(inv != NULL && inventory_check_ports(inv, 2222, &cause) == 0,
	    "h and h:22 with ssh.port 2222: two sshds");
	inventory_free(inv);
	inv = parse("h ssh.port=2200\nh:2200\n", &cause);
	ok(inv != NULL && inventory_check_ports(inv, 22, &cause) != 0 &&
	    cause != NULL && strstr(cause, "inv:2: host \"h:2200\" is already "
	    "listed on line 1") != NULL, "a host's own ssh.port counts (%s)",
	    cause ? cause : "");
	inventory_free(inv);
	inv_bad("é\n", "inv:1:", "non-ASCII host");

	/* a NUL inside the text given with its length */
	{
		const char t[] = "a\nb\0c\n";
		inv = inventory_parse("inv", t, sizeof t - 1, &cause);
		ok(inv == NULL && cause && strstr(cause, "inv:2: binary"),
		    "NUL found through the length, not strlen");
		inventory_free(inv);
	}

	big = xmalloc(INVENTORY_LINE_MAX + 16);
	memset(big, 'a', INVENTORY_LINE_MAX + 10);
	big[INVENTORY_LINE_MAX + 10] = '\0';
	inv_bad(big, "inv:1: line longer than", "a huge line");
	free(big);

	/* many hosts: the duplicate check is not quadratic */
	{
		struct buf b = BUF_INIT;
		for (i = 0; i < 20000; i++)
			buf_printf(&b, "host%zu.example:%zu\n", i, 1 + i % 60000);
		inv = inventory_parse("inv", b.data, b.len, &cause);
		ok(inv != NULL && inv->n == 20000, "20000 hosts parse");
		inventory_free(inv);
		buf_printf(&b, "host7.example:8\n");
		inv = inventory_parse("inv", b.data, b.len, &cause);
		ok(inv == NULL && cause && strstr(cause, "inv:20001: host "
		    "\"host7.example:8\" is already listed on line 8"),
		    "a duplicate at the end of 20000: %s", cause ? cause : "");
		inventory_free(inv);
		buf_free(&b);
	}

	ok(inventory_alias("root") != NULL && inventory_alias("nope") == NULL,
	    "aliases");
	inv = inventory_load("/nonexistent/inventory", &cause);
	ok(inv == NULL && cause && strstr(cause, "/nonexistent/inventory"),
	    "a missing file is named");
	free(cause);
	return tap_done();
}
