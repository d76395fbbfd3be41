/*
 * test-agent.c - the GSE agent probe's parts: agent.conf (JSON, the
 * taskserver list in both shapes, garbage) and matching the agent's link
 * among TCP sockets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "probe-agent.h"
#include "tap.h"

static int
parse(const char *text, struct agent_conf *ac, char **cause)
{
	free(*cause);
	*cause = NULL;
	return agent_conf_parse("agent.conf", text, strlen(text), ac, cause);
}

int
main(void)
{
	struct agent_conf ac;
	struct tsock s[4];
	char *cause = NULL, *ips[] = { "10.0.0.9", "10.0.0.10" };
	long first;

	ok(parse("{\"cloudid\": 0, \"bizid\": 2, \"taskserver\": [ { \"ip\": "
	    "\"10.0.0.9\", \"port\": 48533 }, { \"ip\": \"10.0.0.10\" } ] }",
	    &ac, &cause) == 0, "agent.conf with a taskserver list");
	is_str(ac.cloudid, "0", "cloudid as a number");
	is_int((int)ac.nips, 2, "two taskservers");
	is_str(ac.ips[1], "10.0.0.10", "the second address");
	is_int(ac.ports[0], 48533, "its port");
	is_int(ac.ports[1], 0, "no port: 0");
	agent_conf_free(&ac);

	ok(parse("{\"cloudid\": \"7\", \"taskserver\": \"10.0.0.1:48533,"
	    "10.0.0.2\"}", &ac, &cause) == 0, "a taskserver string");
	is_str(ac.cloudid, "7", "cloudid as a string");
	is_int((int)ac.nips, 2, "two addresses from the string");
	is_str(ac.ips[0], "10.0.0.1", "address without its port");
	is_int(ac.ports[0], 48533, "the port from the string");
	agent_conf_free(&ac);

	ok(parse("{}", &ac, &cause) == 0 && ac.cloudid == NULL && ac.nips == 0,
	    "an empty object: nothing known");
	agent_conf_free(&ac);
	ok(parse("{\"taskserver\": [1, \"x\", {\"ip\": 5}, {\"ip\": \"\"}]}",
	    &ac, &cause) == 0 && ac.nips == 1, "odd entries are skipped");
	agent_conf_free(&ac);
	ok(parse("{\"cloudid\": 0,", &ac, &cause) == -JF_ERR_PARSE && cause &&
	    strncmp(cause, "agent.conf:1:", 13) == 0, "truncated JSON: %s",
	    cause ? cause : "");
	ok(parse("[1,2]", &ac, &cause) == -JF_ERR_PARSE && cause &&
	    strstr(cause, "not a JSON object"), "an array is refused");
	ok(parse("", &ac, &cause) == -JF_ERR_PARSE, "empty text is refused");
	{
		const char t[] = "{\"cloudid\": 1}\0garbage";
		ok(agent_conf_parse("agent.conf", t, sizeof t - 1, &ac,
		    &cause) != 0, "NUL and garbage after the object refused");
		agent_conf_free(&ac);
	}

	memset(s, 0, sizeof s);
	strcpy(s[0].remote, "10.0.0.9");
	s[0].rport = 48533;
	s[0].state = 10; /* LISTEN: not a link */
	strcpy(s[1].remote, "10.0.0.99");
	s[1].rport = 48533;
	s[1].state = 1;  /* another address */
	strcpy(s[2].remote, "10.0.0.10");
	s[2].rport = 48534;
	s[2].state = 1;  /* another port */
	strcpy(s[3].remote, "10.0.0.10");
	s[3].rport = 48533;
	s[3].state = 1;
	is_int((int)agent_links(s, 4, ips, 2, 48533, &first), 1,
	    "one link to a taskserver on the agent port");
	is_int((int)first, 3, "the right socket");
	is_int((int)agent_links(s, 3, ips, 2, 48533, &first), 0,
	    "no link: listening, other address, other port");
	is_int((int)first, -1, "first is -1 then");
	is_int((int)agent_links(s, 4, NULL, 0, 48533, &first), 2,
	    "no taskserver known: any address on the port counts");
	free(cause);
	return tap_done();
}
