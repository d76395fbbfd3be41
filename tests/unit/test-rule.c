/*
 * test-rule.c - the match language: every operator, precedence, missing
 * facts, numbers against strings, regular expressions, escapes, and parse
 * errors with their exact messages.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "tap.h"

static struct facts *fs;

/* Parses and evaluates text; -1 when it does not parse. */
static int
eval(const char *text)
{
	struct rule *r;
	char *cause = NULL;
	int v;

	if ((r = rule_parse(text, &cause)) == NULL) {
		printf("# \"%s\": %s\n", text, cause ? cause : "(no cause)");
		free(cause);
		return -1;
	}
	v = rule_eval(r, fs, NULL);
	rule_free(r);
	return v;
}

#define T(text, want) is_int(eval(text), want, "%s", text)

/* Parses text expecting an error; returns the cause (caller frees). */
static char *
parse_fail(const char *text)
{
	struct rule *r;
	char *cause = NULL;

	if ((r = rule_parse(text, &cause)) != NULL) {
		rule_free(r);
		return xstrdup("(parsed)");
	}
	return cause ? cause : xstrdup("(no cause)");
}

#define E(text, want) do {                                               \
	char *c_ = parse_fail(text);                                     \
	is_str(c_, want, "error for %s", text);                          \
	free(c_);                                                        \
} while (0)

/* Evaluates text and checks the facts it read. */
static void
check_used(const char *text, const char *before, int want, const char *used)
{
	struct buf b = BUF_INIT;
	struct rule *r;
	char *cause = NULL;

	if (before != NULL)
		buf_addstr(&b, before);
	r = rule_parse(text, &cause);
	ok(r != NULL, "parses: %s", text);
	if (r != NULL) {
		is_int(rule_eval(r, fs, &b), want, "value: %s", text);
		is_str(b.data ? b.data : "", used, "used: %s", text);
	}
	rule_free(r);
	free(cause);
	buf_free(&b);
}

static void
test_operators(void)
{
	T("mysql.event_scheduler == 'OFF'", 1);
	T("mysql.event_scheduler == \"OFF\"", 1);
	T("mysql.event_scheduler == 'ON'", 0);
	T("mysql.event_scheduler == 'off'", 0);
	T("mysql.event_scheduler != 'ON'", 1);
	T("mysql.event_scheduler != 'OFF'", 0);
	T("log.error ~ 'no partition for value'", 1);
	T("log.error ~ '^Table has'", 1);
	T("log.error ~ '^has'", 0);
	T("log.error ~ 'partition (for|of) value [0-9]+$'", 1);
	T("log.error !~ 'partition'", 0);
	T("log.error !~ 'deadlock'", 1);
	T("log.code_1252001.count > 0", 1);
	T("log.code_1252001.count > 3", 0);
	T("log.code_1252001.count >= 3", 1);
	T("log.code_1252001.count >= 4", 0);
	T("log.code_1252001.count < 4", 1);
	T("log.code_1252001.count < 3", 0);
	T("log.code_1252001.count <= 3", 1);
	T("log.code_1252001.count <= 2", 0);
	T("log.code_1252001.count == 3", 1);
	T("log.code_1252001.count != 3", 0);
	T("jobconf.ijobs.amqp.username == 'job'", 1);
	/* FACT operands */
	T("a.ten > a.nine", 1);
	T("a.nine > a.ten", 0);
	T("a.ten == a.ten2", 1);
	T("jobconf.ijobs.amqp.username == rabbit.user", 1);
	T("jobconf.ijobs.amqp.username != rabbit.user", 0);
	T("log.error ~ pattern.ok", 1);
	T("log.error !~ pattern.ok", 0);
	/* a bad pattern from a fact is false, not an error */
	T("log.error ~ pattern.bad", 0);
	T("log.error !~ pattern.bad", 0);
	/* whitespace is optional and may be any blank */
	T("log.code_1252001.count>=3&&mysql.event_scheduler=='OFF'", 1);
	T(" \t\r\n log.code_1252001.count \n>=\t3 \r\n", 1);
	T("x==-1", 0);
	T("neg<-1", 1);
	T("neg<=-2.5", 1);
	T("neg>-3", 1);
}

static void
test_truth(void)
{
	T("yes", 1);
	T("one", 1);
	T("zero", 0);
	T("empty", 0);
	T("no", 0);
	T("false", 0);
	T("off", 0);
	T("OFF", 0);
	T("False", 0);
	T("zerozero", 1); /* "00" is not "0" */
	T("missing", 0);
	T("!missing", 1);
	T("!yes", 0);
	T("!!yes", 1);
	T("!!!yes", 0);
}

static void
test_precedence(void)
{
	/* && binds tighter than ||: yes || (zero && zero) */
	T("yes || zero && zero", 1);
	/* (zero && zero) || yes */
	T("zero && zero || yes", 1);
	/* zero && (yes || yes) would be false; so is (zero && yes) || yes? no */
	T("zero && yes || yes", 1);
	T("zero && (yes || yes)", 0);
	T("(yes || zero) && zero", 0);
	T("yes || (zero && zero)", 1);
	/* ! binds tighter than && and || */
	T("!zero && yes", 1);
	T("!yes || yes", 1);
	T("!(yes || zero)", 0);
	T("!(zero) && !(zero)", 1);
	T("((((yes))))", 1);
	T("((yes) && ((one)))", 1);
	T("yes && one && !zero && !missing", 1);
	T("zero || no || off || yes", 1);
	T("zero || no || off || missing", 0);
}

static void
test_missing(void)
{
	T("missing == 'a'", 0);
	T("missing != 'a'", 0);
	T("missing ~ 'a'", 0);
	T("missing !~ 'a'", 0);
	T("missing < 1", 0);
	T("missing >= 1", 0);
	T("!(missing == 'a')", 1);
	T("!missing == 'a'", 1); /* as rule.h says: !(missing == 'a') */
	T("!missing != 'a'", 1);
	/* a missing FACT operand */
	T("mysql.event_scheduler == missing", 0);
	T("mysql.event_scheduler != missing", 0);
	T("log.error ~ missing", 0);
	T("log.code_1252001.count > missing", 0);
	T("!(mysql.event_scheduler != missing)", 1);
	/* a missing fact set */
	{
		struct rule *r = rule_parse("!x", NULL);
		ok(r != NULL && rule_eval(r, NULL, NULL) == 1,
		    "no facts at all: !x is true");
		rule_free(r);
	}
	is_int(rule_eval(NULL, fs, NULL), 0, "NULL rule is false");
}

static void
test_numbers(void)
{
	/* numbers compare as numbers, not as text */
	T("a.ten > 9", 1);
	T("a.ten > '9'", 1);
	T("a.ten < 9", 0);
	T("a.nine < 10", 1);
	T("a.ten == 10.0", 1);
	T("a.ten == 010", 1);
	T("a.ten != 10.00", 0);
	T("a.ten2 == 10", 1); /* "10.0" */
	T("a.ten == '10.0'", 0); /* a quoted operand compares text */
	T("a.ten == '10'", 1);
	T("a.frac > 1.4", 1);
	T("a.frac < 1.5", 0);
	T("a.frac == 1.5", 1);
	T("a.frac > 1.49999999999999999999999", 1);
	T("a.frac < 1.50000000000000000000001", 1);
	T("neg < 0", 1);
	T("neg < -2", 1);
	T("neg > -2.50001", 1);
	T("neg == -2.50", 1);
	T("negzero == 0", 1);
	T("negzero >= 0", 1);
	T("negzero <= 0", 1);
	T("negzero < 0", 0);
	/* beyond 64 bits and beyond double precision */
	T("big > 18446744073709551615", 1);
	T("big < 18446744073709551617", 1);
	T("big == 18446744073709551616", 1);
	T("big > 9223372036854775807", 1);
	T("big2 > big", 1);
	T("big2 > 18446744073709551616.99999999", 1);
	/* a non-number makes "<" and friends false, both ways round */
	T("mysql.event_scheduler > 0", 0);
	T("mysql.event_scheduler < 0", 0);
	T("mysql.event_scheduler >= 0", 0);
	T("mysql.event_scheduler <= 0", 0);
	T("a.ten > 'abc'", 0);
	T("a.ten < mysql.event_scheduler", 0);
	T("notnum < 100", 0); /* " 5" */
	T("plus < 100", 0);   /* "+5" */
	T("hex < 100", 0);    /* "0x10" */
	T("empty < 1", 0);
	T("dot.end < 100", 0); /* "5." */
	/* "==" with a non-number falls back to text */
	T("mysql.event_scheduler == 0", 0);
	T("mysql.event_scheduler != 0", 1);
	/* a word that is not a NUMBER is a fact name */
	T("a.ten == 1.5.2", 0);
	T("a.nine == 9x", 0);
	T("9x == 'nine-x'", 1);
	T("10 == 'a fact named 10'", 1);
}

static void
test_strings(void)
{
	T("quote.single == 'it\\'s'", 1);
	T("quote.single == \"it's\"", 1);
	T("quote.double == \"say \\\"hi\\\"\"", 1);
	T("quote.double == 'say \"hi\"'", 1);
	T("quote.back == 'a\\\\b'", 1);
	T("quote.back == \"a\\\\b\"", 1);
	T("empty == ''", 1);
	T("empty == \"\"", 1);
	T("empty != ''", 0);
	T("mysql.event_scheduler == 'OFF' && empty == ''", 1);
	T("utf8 == '\xe4\xbd\x9c\xe4\xb8\x9a'", 1);
	T("spaced == '  a  b  '", 1);
	/* operators inside strings are text */
	T("ops == '&& || ( ) ! == ~'", 1);
	/* escapes inside a regex pass through the string's unescaping */
	T("quote.back ~ 'a\\\\\\\\b'", 1);
	T("log.error ~ \"[0-9]{3}\"", 1);
	T("log.error ~ 'x{0}'", 1);
	T("log.error ~ ''", 1);
	T("mysql.event_scheduler ~ 'O(N|FF)'", 1);
	T("mysql.event_scheduler ~ 123", 0);
	T("log.code_1252001.count ~ 3", 1);
	/* brackets, classes and bounds the size estimate must read right */
	T("ip ~ '^[0-9]{1,3}(\\\\.[0-9]{1,3}){3}$'", 1);
	T("ip ~ '^[[:digit:].]+$'", 1);
	T("ip ~ '[]x]'", 0);
	T("ip ~ '[^]0-9.]'", 0);
	T("ip ~ '[[.-.]]'", 0);
	T("ip ~ '[[=1=]]{3}'", 0);
	T("ip ~ '1{2}'", 0);
	T("ip ~ '0{1,}'", 1);
	T("ip ~ '^(1|2|3|0|[.]){7,9}$'", 1);
	T("ip ~ 'a{999}'", 0);
	T("ip ~ '(((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))'", 1);
}

static void
test_regex_limits(void)
{
	struct buf b = BUF_INIT;
	int i;

	/* glibc would take gigabytes for this one */
	buf_addstr(&b, "x ~ 'a");
	for (i = 0; i < 35; i++)
		buf_addch(&b, '+');
	buf_addstr(&b, "'");
	E(b.data, "column 5: expected a regular expression (a repetition of "
	    "a repetition, such as '**' or '+?') near "
	    "''a++++++++++++++++++...'");
	buf_reset(&b);
	E("x ~ 'a**'", "column 5: expected a regular expression (a repetition "
	    "of a repetition, such as '**' or '+?') near ''a**''");
	E("x ~ 'b|a+?'", "column 5: expected a regular expression (a "
	    "repetition of a repetition, such as '**' or '+?') near "
	    "''b|a+?''");
	E("x ~ 'a*{2}'", "column 5: expected a regular expression (a "
	    "repetition of a repetition, such as '**' or '+?') near "
	    "''a*{2}''");
	T("ip ~ '(1*)*0+.?0'", 1);
	/* each "+" doubles its group: 8 nested are fine, 9 are not */
	T("ip ~ '(((((((1+)+)+)+)+)+)+)+'", 1);
	E("x ~ '((((((((a+)+)+)+)+)+)+)+)+'", "column 5: expected a regular "
	    "expression (it would expand to more than 1000 parts) near "
	    "''((((((((a+)+)+)+)+)...'");
	E("x ~ 'a{1000}'", "column 5: expected a regular expression (it "
	    "would expand to more than 1000 parts) near ''a{1000}''");
	E("x ~ '(a|b){500}c'", "column 5: expected a regular expression (it "
	    "would expand to more than 1000 parts) near ''(a|b){500}c''");
	E("x ~ '((a{10}){10}){10}'", "column 5: expected a regular expression "
	    "(it would expand to more than 1000 parts) near "
	    "''((a{10}){10}){10}''");
	E("x ~ '(.?){1000}b'", "column 5: expected a regular expression (it "
	    "would expand to more than 1000 parts) near ''(.?){1000}b''");
	/* glibc reads {,n} as {0,n} (found by fuzzing: {,22222} took 2 GiB) */
	E("x ~ ' {,22222}'", "column 5: expected a regular expression (it "
	    "would expand to more than 1000 parts) near '' {,22222}''");
	E("x ~ 'a*{,2}'", "column 5: expected a regular expression (a "
	    "repetition of a repetition, such as '**' or '+?') near "
	    "''a*{,2}''");
	T("x ~ 'a{,3}'", 1);
	E("x ~ '(a)\\\\1'", "column 5: expected a regular expression "
	    "(back-references are not supported) near ''(a)\\\\1''");
	E("x !~ '(a*)*\\\\9'", "column 6: expected a regular expression "
	    "(back-references are not supported) near ''(a*)*\\\\9''");
	buf_addstr(&b, "x ~ '");
	for (i = 0; i < 65; i++)
		buf_addch(&b, '(');
	buf_addch(&b, 'a');
	for (i = 0; i < 65; i++)
		buf_addch(&b, ')');
	buf_addstr(&b, "'");
	E(b.data, "column 5: expected a regular expression (more than 64 "
	    "nested groups) near ''(((((((((((((((((((...'");
	buf_free(&b);
	/* a pattern from a fact gets the same checks, and is false */
	T("log.error ~ pattern.huge", 0);
	T("log.error !~ pattern.huge", 0);
	T("log.error ~ pattern.backref", 0);
	T("log.error ~ pattern.fine", 1);
}

static void
test_used(void)
{
	check_used("mysql.event_scheduler == 'OFF'", NULL, 1,
	    "mysql.event_scheduler");
	check_used("a.ten > a.nine && a.ten > 1", NULL, 1, "a.ten\na.nine");
	check_used("yes || missing", NULL, 1, "yes");
	check_used("zero || missing || yes", NULL, 1, "zero\nmissing\nyes");
	check_used("zero && yes", NULL, 0, "zero");
	check_used("!missing", NULL, 1, "missing");
	check_used("mysql.event_scheduler == missing", NULL, 0,
	    "mysql.event_scheduler\nmissing");
	check_used("missing == other.missing", NULL, 0, "missing");
	/* appended to what was there, each once */
	check_used("yes && one", "one", 1, "one\nyes");
	check_used("yes && one", "x\none", 1, "x\none\nyes");
	check_used("yes && one", "yesno", 1, "yesno\nyes\none");
	check_used("yes", "pre\n", 1, "pre\nyes");
	/* a full buffer loses evidence, never the value */
	{
		struct buf b;
		struct rule *r = rule_parse("yes && one", NULL);

		buf_init(&b, 4);
		buf_addstr(&b, "abc");
		is_int(rule_eval(r, fs, &b), 1, "value with a full used buffer");
		is_str(b.data, "abc", "full used buffer unchanged");
		buf_free(&b);
		rule_free(r);
	}
}

static void
test_text(void)
{
	const char *text = "  yes &&\tone  ";
	struct rule *r = rule_parse(text, NULL);

	ok(r != NULL, "parses with spaces");
	is_str(rule_text(r), text, "rule_text is the original text");
	ok(rule_text(r) != text, "rule_text is a copy");
	rule_free(r);
	is_str(rule_text(NULL), NULL, "rule_text(NULL)");
	rule_free(NULL);
	ok(1, "rule_free(NULL)");
}

static void
test_errors(void)
{
	E("", "column 1: expected a fact name, '!' or '(' at end of input");
	E("   ", "column 4: expected a fact name, '!' or '(' at end of input");
	{
		char *cause = NULL;
		ok(rule_parse(NULL, &cause) == NULL, "NULL text is an error");
		is_str(cause, "column 1: expected a fact name, '!' or '(' at "
		    "end of input", "NULL text is empty");
		free(cause);
	}
	E("x ==", "column 5: expected a quoted string, a number or a fact "
	    "name at end of input");
	E("x == &&", "column 6: expected a quoted string, a number or a fact "
	    "name near '&&'");
	E("x = 'a'", "column 3: expected '==' near '= 'a''");
	E("x == 'a", "column 6: expected a closing ' for the string near ''a'");
	E("x == \"a", "column 6: expected a closing \" for the string near "
	    "'\"a'");
	E("x == 'a\\nb'", "column 8: expected \\\\, \\' or \\\" (the only "
	    "escapes) near '\\nb''");
	E("x == 'a\\", "column 8: expected \\\\, \\' or \\\" (the only "
	    "escapes) near '\\'");
	E("x == 'a' y", "column 10: expected '&&', '||' or end of input near "
	    "'y'");
	E("x y", "column 3: expected an operator, '&&', '||' or end of input "
	    "near 'y'");
	E("x 'a'", "column 3: expected an operator, '&&', '||' or end of "
	    "input near ''a''");
	E("x & y", "column 3: expected '&&' near '& y'");
	E("x | y", "column 3: expected '||' near '| y'");
	E("x &&", "column 5: expected a fact name, '!' or '(' at end of input");
	E("x || || y", "column 6: expected a fact name, '!' or '(' near "
	    "'|| y'");
	E("&& x", "column 1: expected a fact name, '!' or '(' near '&& x'");
	E("(x", "column 3: expected an operator, '&&', '||' or ')' at end of "
	    "input");
	E("(x == 1", "column 8: expected '&&', '||' or ')' at end of input");
	E("(x == 1))", "column 9: expected '&&', '||' or end of input near "
	    "')'");
	E("()", "column 2: expected a fact name, '!' or '(' near ')'");
	E(")", "column 1: expected a fact name, '!' or '(' near ')'");
	E("!", "column 2: expected a fact name, '!' or '(' at end of input");
	E("== 'a'", "column 1: expected a fact name, '!' or '(' near '== 'a''");
	E("'a' == x", "column 1: expected a fact name, '!' or '(' near ''a' "
	    "== x'");
	E("x == y == z", "column 8: expected '&&', '||' or end of input near "
	    "'== z'");
	E("x ~ '[a'", "column 5: expected a regular expression (Unmatched [, "
	    "[^, [:, [., or [=) near ''[a''");
	E("x !~ '(a'", "column 6: expected a regular expression (Unmatched ( "
	    "or \\() near ''(a''");
	E("x ~ 'a{2,1}'", "column 5: expected a regular expression (Invalid "
	    "content of \\{\\}) near ''a{2,1}''");
	E("x @ y", "column 3: expected a fact name, a string, a number or an "
	    "operator near '@ y'");
	E("x == 'a' \x01", "column 10: expected a fact name, a string, a "
	    "number or an operator near '\\x01'");
	E("x\xff", "column 2: expected a fact name, a string, a number or an "
	    "operator near '\\xff'");
	E("x == 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "column 6: expected a closing ' for the string near "
	    "''aaaaaaaaaaaaaaaaaaa...'");
	E("x =\n= 'a'", "column 3: expected '==' near '=\\x0a= 'a''");
	E("x == 'a' &&\r\n", "column 14: expected a fact name, '!' or '(' at "
	    "end of input");
	E("x ~~ 'a'", "column 4: expected a quoted string, a number or a fact "
	    "name near '~ 'a''");
	E("x <> 1", "column 4: expected a quoted string, a number or a fact "
	    "name near '> 1'");
	E("x == 'a' !", "column 10: expected '&&', '||' or end of input near "
	    "'!'");
	/* the cause pointer may be NULL, and a previous cause is replaced */
	ok(rule_parse("x ==", NULL) == NULL, "error with cause NULL");
	{
		char *cause = xstrdup("old");
		ok(rule_parse("(", &cause) == NULL, "error replaces old cause");
		is_str(cause, "column 2: expected a fact name, '!' or '(' at "
		    "end of input", "replaced cause");
		free(cause);
	}
	/* an embedded NUL ends the text */
	T("yes\0 garbage", 1);
}

static char *
repeat(const char *s, int n, const char *mid, const char *end)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < n; i++)
		buf_addstr(&b, s);
	buf_addstr(&b, mid);
	for (i = 0; i < n; i++)
		buf_addstr(&b, end);
	return buf_detach(&b);
}

static void
test_limits(void)
{
	struct buf b = BUF_INIT;
	char *s, *cause;
	int i;

	s = repeat("(", 32, "yes", ")");
	T(s, 1);
	free(s);
	s = repeat("(", 33, "yes", ")");
	E(s, "column 33: expected at most 32 levels of '(' and '!' near "
	    "'(yes))))))))))))))))...'");
	free(s);
	s = repeat("!", 32, "yes", "");
	T(s, 1);
	free(s);
	s = repeat("!", 33, "yes", "");
	E(s, "column 33: expected at most 32 levels of '(' and '!' near "
	    "'!yes'");
	free(s);
	s = repeat("!(", 16, "zero", ")");
	T(s, 0);
	free(s);
	s = repeat("!(", 17, "zero", ")");
	E(s, "column 33: expected at most 32 levels of '(' and '!' near "
	    "'!(zero))))))))))))))...'");
	free(s);
	/* huge nesting is refused without recursing */
	s = repeat("(", 100000, "yes", ")");
	cause = parse_fail(s);
	is_str(cause, "column 4097: expected at most 4096 bytes",
	    "100000 parentheses");
	free(cause);
	free(s);
	/* exactly 4096 bytes is fine; 4097 is not */
	buf_addstr(&b, "yes");
	while (b.len < 4096 - 7)
		buf_addstr(&b, " || yes");
	while (b.len < 4096)
		buf_addch(&b, ' ');
	is_int(b.len, 4096, "built 4096 bytes");
	T(b.data, 1);
	buf_addch(&b, ' ');
	E(b.data, "column 4097: expected at most 4096 bytes");
	buf_reset(&b);
	/* a long || chain evaluates to its last term */
	for (i = 0; i < 500; i++)
		buf_addstr(&b, "zero || ");
	buf_addstr(&b, "yes");
	T(b.data, 1);
	buf_reset(&b);
	for (i = 0; i < 500; i++)
		buf_addstr(&b, "yes && ");
	buf_addstr(&b, "zero");
	T(b.data, 0);
	buf_reset(&b);
	/* a long string */
	buf_addstr(&b, "x == '");
	for (i = 0; i < 4000; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "'");
	T(b.data, 0);
	buf_free(&b);
}

int
main(void)
{
	fs = facts_new();
	facts_set(fs, "mysql.event_scheduler", "OFF", 0, "SELECT");
	facts_set(fs, "log.error", "Table has no partition for value 738000",
	    0, "log");
	facts_set(fs, "log.code_1252001.count", "3", 0, "log");
	facts_set(fs, "jobconf.ijobs.amqp.username", "job", 0, "job.conf");
	facts_set(fs, "rabbit.user", "job", 0, "rabbitmqctl");
	facts_set(fs, "pattern.ok", "partition.*[0-9]+$", 0, "test");
	facts_set(fs, "pattern.bad", "([", 0, "test");
	facts_set(fs, "pattern.huge", "T++++++++++++++++++++++++++++++++", 0,
	    "test");
	facts_set(fs, "pattern.backref", "(a)\\1", 0, "test");
	facts_set(fs, "pattern.fine", "T+a+b+l+e+", 0, "test");
	facts_set(fs, "ip", "10.0.0.1", 0, "test");
	facts_set(fs, "a.ten", "10", 0, "test");
	facts_set(fs, "a.ten2", "10.0", 0, "test");
	facts_set(fs, "a.nine", "9", 0, "test");
	facts_set(fs, "a.frac", "1.5", 0, "test");
	facts_set(fs, "neg", "-2.5", 0, "test");
	facts_set(fs, "negzero", "-0.0", 0, "test");
	facts_set(fs, "big", "18446744073709551616", 0, "test");
	facts_set(fs, "big2", "18446744073709551617", 0, "test");
	facts_set(fs, "yes", "yes", 0, "test");
	facts_set(fs, "one", "1", 0, "test");
	facts_set(fs, "zero", "0", 0, "test");
	facts_set(fs, "zerozero", "00", 0, "test");
	facts_set(fs, "empty", "", 0, "test");
	facts_set(fs, "no", "no", 0, "test");
	facts_set(fs, "false", "false", 0, "test");
	facts_set(fs, "False", "False", 0, "test");
	facts_set(fs, "off", "off", 0, "test");
	facts_set(fs, "OFF", "OFF", 0, "test");
	facts_set(fs, "notnum", " 5", 0, "test");
	facts_set(fs, "plus", "+5", 0, "test");
	facts_set(fs, "hex", "0x10", 0, "test");
	facts_set(fs, "dot.end", "5.", 0, "test");
	facts_set(fs, "x", "other", 0, "test");
	facts_set(fs, "9x", "nine-x", 0, "test");
	facts_set(fs, "10", "a fact named 10", 0, "test");
	facts_set(fs, "quote.single", "it's", 0, "test");
	facts_set(fs, "quote.double", "say \"hi\"", 0, "test");
	facts_set(fs, "quote.back", "a\\b", 0, "test");
	facts_set(fs, "utf8", "\xe4\xbd\x9c\xe4\xb8\x9a", 0, "test");
	facts_set(fs, "spaced", "  a  b  ", 0, "test");
	facts_set(fs, "ops", "&& || ( ) ! == ~", 0, "test");

	test_operators();
	test_truth();
	test_precedence();
	test_missing();
	test_numbers();
	test_strings();
	test_regex_limits();
	test_used();
	test_text();
	test_errors();
	test_limits();
	facts_free(fs);
	return tap_done();
}
