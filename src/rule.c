/*
 * rule.c - the match language: a playbook's conditions over facts.
 *
 * A rule is parsed once, when its playbook is loaded, into a small tree and
 * evaluated against each run's facts.  The grammar is in rule.h; the
 * decisions it leaves open are made here:
 *
 *  - A fact name is [A-Za-z0-9_.-]+.  An operand spelled entirely as a
 *    NUMBER (-?[0-9]+(\.[0-9]+)?) is a number, any other such word is a fact
 *    ("10" is a number, "log.code_1252001.count" a fact).
 *  - Strings are '...' or "..." with the escapes \\ \' \" and no others.
 *  - Numbers are compared exactly as decimals (no floating point, no
 *    overflow): "10" > "9", "1.50" == "1.5", "-0" == "0".  "==" and "!="
 *    compare numerically when both sides are numbers and the operand is not
 *    a quoted string; otherwise they compare text byte for byte.  "<", "<=",
 *    ">" and ">=" are false unless both sides are numbers.
 *  - "~" and "!~" search with a POSIX extended regular expression, compiled
 *    here so a bad one is a parse error.  When the pattern is another fact's
 *    value it is compiled at evaluation; a bad one makes the comparison false.
 *    A pattern glibc would expand too far is refused (see regex_check()).
 *  - Any comparison whose fact, or whose FACT operand, is missing is false,
 *    whatever the operator ("x != 'a'" and "x !~ 'a'" included).
 *  - A bare fact is true when it exists and is not "", "0", "no", "false" or
 *    "off", compared without regard to case ("OFF" is false too).
 *  - "&&" and "||" short-circuit, so the facts named in `used` are the ones
 *    the result depended on.  A fact looked up and found missing counts as
 *    read: its absence is evidence too.
 *
 * Limits: the text is at most RULE_MAX_LEN bytes and nests "(" and "!" at
 * most RULE_MAX_DEPTH deep, so neither parsing nor evaluating can exhaust the
 * stack.  "&&" and "||" chains are kept as lists, not as deep trees.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rule.h"

#define RULE_MAX_LEN 4096
#define RULE_MAX_DEPTH 32
#define RULE_NEAR_LEN 20
#define REGEX_MAX_SIZE 1000
#define REGEX_MAX_GROUPS 64

enum node_type { N_OR, N_AND, N_NOT, N_TRUTH, N_CMP };
enum cmp_op { OP_EQ, OP_NE, OP_RE, OP_NRE, OP_LT, OP_LE, OP_GT, OP_GE };
enum operand_type { ARG_STR, ARG_NUM, ARG_FACT };

struct node {
	enum node_type type;
	struct node **kids; /* N_OR, N_AND: nkids; N_NOT: one */
	size_t nkids;
	char *fact;         /* N_TRUTH, N_CMP */
	enum cmp_op op;     /* N_CMP */
	enum operand_type arg_type;
	char *arg;          /* text, number or fact name */
	regex_t re;         /* N_CMP with "~" or "!~" and a literal pattern */
	int has_re;
};

struct rule {
	char *text;
	struct node *root;
};

enum tok_type {
	T_END, T_WORD, T_STR, T_OP, T_AND, T_OR, T_NOT, T_LPAREN, T_RPAREN
};

struct token {
	enum tok_type type;
	size_t start;   /* byte offset in the text */
	size_t len;
	enum cmp_op op; /* T_OP */
	char *str;      /* T_STR: the unescaped text, owned by the parser */
};

struct parser {
	const char *text;
	size_t pos;     /* where the lexer continues */
	struct token tok;
	int last_bare;  /* the last comparison parsed was a bare fact */
	char **cause;
	int failed;
};

static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->fact);
	free(n->arg);
	if (n->has_re)
		regfree(&n->re);
	free(n);
}

static struct node *
node_new(enum node_type type)
{
	struct node *n = xcalloc(1, sizeof *n);

	n->type = type;
	return n;
}

static void
node_add(struct node *n, struct node *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

/* --- errors -------------------------------------------------------------- */

/* Sets the parse error at byte offset at: "column N: <what> near '...'". */
static void
parse_error(struct parser *p, size_t at, const char *fmt, ...)
    JF_PRINTF(3, 4);
static void
parse_error(struct parser *p, size_t at, const char *fmt, ...)
{
	struct buf near = BUF_INIT;
	const unsigned char *s = (const unsigned char *)p->text + at;
	va_list ap;
	char *what;
	size_t i;

	if (p->failed)
		return;
	p->failed = 1;
	if (p->cause == NULL)
		return;
	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	for (i = 0; s[i] != '\0' && i < RULE_NEAR_LEN; i++) {
		if (s[i] < 0x20 || s[i] >= 0x7f)
			buf_printf(&near, "\\x%02x", s[i]);
		else
			buf_addch(&near, (char)s[i]);
	}
	if (near.len == 0)
		set_cause(p->cause, JF_ERR_PARSE, "column %zu: %s at end of input",
		    at + 1, what);
	else
		set_cause(p->cause, JF_ERR_PARSE, "column %zu: %s near '%s%s'",
		    at + 1, what, near.data, s[i] != '\0' ? "..." : "");
	buf_free(&near);
	free(what);
}

/* --- lexer --------------------------------------------------------------- */

static int
is_name_char(int c)
{
	return isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '-');
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Is s[0..len) a NUMBER: -?[0-9]+(\.[0-9]+)? */
static int
is_number_n(const char *s, size_t len)
{
	size_t i = 0, digits;

	if (i < len && s[i] == '-')
		i++;
	for (digits = 0; i < len && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (digits == 0)
		return 0;
	if (i == len)
		return 1;
	if (s[i++] != '.')
		return 0;
	for (digits = 0; i < len && isdigit((unsigned char)s[i]); i++)
		digits++;
	return digits > 0 && i == len;
}

static int
is_number(const char *s)
{
	return is_number_n(s, strlen(s));
}

/* Reads a quoted string starting at p->pos (the quote) into p->tok.str. */
static int
lex_string(struct parser *p)
{
	struct buf b = BUF_INIT;
	const char *s = p->text;
	char quote = s[p->pos];
	size_t i = p->pos + 1;

	for (;;) {
		if (s[i] == '\0') {
			parse_error(p, p->pos, "expected a closing %c for the "
			    "string", quote);
			goto fail;
		}
		if (s[i] == quote)
			break;
		if (s[i] == '\\') {
			if (s[i + 1] != '\\' && s[i + 1] != '\'' &&
			    s[i + 1] != '"') {
				parse_error(p, i, "expected \\\\, \\' or \\\" "
				    "(the only escapes)");
				goto fail;
			}
			i++;
		}
		buf_addch(&b, s[i]);
		i++;
	}
	p->tok.type = T_STR;
	p->tok.str = buf_detach(&b);
	p->tok.len = i + 1 - p->pos;
	return 0;
fail:
	buf_free(&b);
	return -1;
}

/* Moves to the next token; returns -1 (error set) on bad input. */
static int
lex(struct parser *p)
{
	const char *s = p->text;
	size_t i;
	char c, d;

	free(p->tok.str);
	p->tok.str = NULL;
	while (is_space((unsigned char)s[p->pos]))
		p->pos++;
	p->tok.start = p->pos;
	p->tok.len = 1;
	c = s[p->pos];
	d = c != '\0' ? s[p->pos + 1] : '\0';
	switch (c) {
	case '\0':
		p->tok.type = T_END;
		p->tok.len = 0;
		return 0;
	case '\'':
	case '"':
		if (lex_string(p) != 0)
			return -1;
		break;
	case '(':
		p->tok.type = T_LPAREN;
		break;
	case ')':
		p->tok.type = T_RPAREN;
		break;
	case '~':
		p->tok.type = T_OP;
		p->tok.op = OP_RE;
		break;
	case '!':
		if (d == '=' || d == '~') {
			p->tok.type = T_OP;
			p->tok.op = d == '=' ? OP_NE : OP_NRE;
			p->tok.len = 2;
		} else
			p->tok.type = T_NOT;
		break;
	case '=':
		if (d != '=') {
			parse_error(p, p->pos, "expected '=='");
			return -1;
		}
		p->tok.type = T_OP;
		p->tok.op = OP_EQ;
		p->tok.len = 2;
		break;
	case '<':
	case '>':
		p->tok.type = T_OP;
		if (d == '=') {
			p->tok.op = c == '<' ? OP_LE : OP_GE;
			p->tok.len = 2;
		} else
			p->tok.op = c == '<' ? OP_LT : OP_GT;
		break;
	case '&':
	case '|':
		if (d != c) {
			parse_error(p, p->pos, "expected '%c%c'", c, c);
			return -1;
		}
		p->tok.type = c == '&' ? T_AND : T_OR;
		p->tok.len = 2;
		break;
	default:
		if (!is_name_char((unsigned char)c)) {
			parse_error(p, p->pos, "expected a fact name, a string, "
			    "a number or an operator");
			return -1;
		}
		for (i = p->pos; is_name_char((unsigned char)s[i]); i++)
			;
		p->tok.type = T_WORD;
		p->tok.len = i - p->pos;
		break;
	}
	p->pos = p->tok.start + p->tok.len;
	return 0;
}

/* --- regular expressions ------------------------------------------------ */

/*
 * glibc's regcomp() copies a repeated group once per repetition ("a+" is
 * "aa*", "a{3,5}" five copies), so stacked or nested repetitions grow
 * exponentially: "a" followed by 35 "+" takes gigabytes, and regexec() time
 * grows with the copies too.  This estimates the size regcomp() would build,
 * refusing patterns over REGEX_MAX_SIZE.  It also refuses what POSIX leaves
 * undefined and glibc makes costly: a repetition of a repetition ("a**"
 * 1000 times takes seconds to compile; "+?" is not lazy here) and
 * back-references (matching them can take exponential time).  Syntax errors
 * are left to regcomp().  Returns NULL or why the pattern is refused.
 */
static const char *
regex_check(const char *re)
{
	/* per open group: its size, the size of its last item and whether
	 * that item is a repetition */
	struct { double total, last; int rep; } st[REGEX_MAX_GROUPS + 1];
	const char *e;
	size_t i = 0, j;
	int depth = 0;
	double grown, m, n, copies;
	char c;

	st[0].total = st[0].last = 0;
	st[0].rep = 0;
	while ((c = re[i]) != '\0') {
		grown = -1;
		if (c == '*' || c == '?' || c == '+' || (c == '{' &&
		    (isdigit((unsigned char)re[i + 1]) || re[i + 1] == ','))) {
			if (st[depth].rep)
				return "a repetition of a repetition, such as "
				    "'**' or '+?'";
		}
		st[depth].rep = 0;
		switch (c) {
		case '\\':
			if (re[i + 1] >= '1' && re[i + 1] <= '9')
				return "back-references are not supported";
			i += re[i + 1] != '\0' ? 2 : 1;
			st[depth].total += 1;
			st[depth].last = 1;
			continue;
		case '[':
			j = i + 1;
			if (re[j] == '^')
				j++;
			if (re[j] == ']')
				j++;
			while (re[j] != '\0' && re[j] != ']') {
				if (re[j] == '[' && (re[j + 1] == ':' ||
				    re[j + 1] == '.' || re[j + 1] == '=')) {
					e = strchr(re + j + 2, re[j + 1]);
					while (e != NULL && e[1] != ']')
						e = strchr(e + 1, re[j + 1]);
					if (e == NULL)
						break;
					j = (size_t)(e - re) + 2;
				} else
					j++;
			}
			/* j > i, so this always moves on */
			i = re[j] == ']' ? j + 1 : j;
			st[depth].total += 1;
			st[depth].last = 1;
			continue;
		case '(':
			if (depth == REGEX_MAX_GROUPS)
				return "more than 64 nested groups";
			depth++;
			st[depth].total = st[depth].last = 0;
			st[depth].rep = 0;
			break;
		case ')':
			if (depth == 0) {
				st[0].total += 1;
				st[0].last = 1;
				break;
			}
			depth--;
			st[depth].last = st[depth + 1].total + 1;
			st[depth].total += st[depth].last;
			break;
		case '|':
			st[depth].total += 1;
			st[depth].last = 0;
			break;
		case '*':
		case '?':
			grown = st[depth].last + 1;
			break;
		case '+':
			grown = 2 * st[depth].last + 1;
			break;
		case '{':
			/* {m}, {m,}, {m,n}, and {,n} which glibc reads as
			 * {0,n}; anything else is left as it is */
			j = i + 1;
			for (m = 0; isdigit((unsigned char)re[j]); j++)
				m = m * 10 + (re[j] - '0');
			if (j == i + 1 && re[j] != ',') {
				st[depth].total += 1;
				st[depth].last = 1;
				break;
			}
			copies = m;
			if (re[j] == ',') {
				j++;
				copies = m + 1;
				if (isdigit((unsigned char)re[j])) {
					for (n = 0; isdigit((unsigned char)re[j]); j++)
						n = n * 10 + (re[j] - '0');
					copies = n > m ? n : m;
				}
			}
			if (re[j] != '}') {
				st[depth].total += 1;
				st[depth].last = 1;
				break;
			}
			grown = st[depth].last * (copies > 1 ? copies : 1) + 1;
			i = j;
			break;
		default:
			st[depth].total += 1;
			st[depth].last = 1;
			break;
		}
		if (grown >= 0) {
			st[depth].total += grown - st[depth].last;
			st[depth].last = grown;
			st[depth].rep = 1;
		}
		if (st[depth].total > REGEX_MAX_SIZE ||
		    st[depth].last > REGEX_MAX_SIZE)
			return "it would expand to more than 1000 parts";
		i++;
	}
	return NULL;
}

/* Compiles re; on error returns -1 with the reason in err. */
static int
regex_compile(regex_t *rx, const char *re, char *err, size_t errlen)
{
	const char *why;
	int r;

	if ((why = regex_check(re)) != NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if ((r = regcomp(rx, re, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, rx, err, errlen);
		return -1;
	}
	return 0;
}

/* --- parser -------------------------------------------------------------- */

static struct node *parse_or(struct parser *, int);

static struct node *
parse_cmp(struct parser *p)
{
	struct node *n;
	char errbuf[256];
	size_t at;

	if (p->tok.type != T_WORD) {
		parse_error(p, p->tok.start, "expected a fact name, '!' or '('");
		return NULL;
	}
	n = node_new(N_TRUTH);
	n->fact = xstrndup(p->text + p->tok.start, p->tok.len);
	p->last_bare = 1;
	if (lex(p) != 0)
		goto fail;
	if (p->tok.type != T_OP)
		return n;
	n->type = N_CMP;
	n->op = p->tok.op;
	p->last_bare = 0;
	if (lex(p) != 0)
		goto fail;
	at = p->tok.start;
	switch (p->tok.type) {
	case T_STR:
		n->arg_type = ARG_STR;
		n->arg = p->tok.str;
		p->tok.str = NULL;
		break;
	case T_WORD:
		n->arg = xstrndup(p->text + p->tok.start, p->tok.len);
		n->arg_type = is_number(n->arg) ? ARG_NUM : ARG_FACT;
		break;
	default:
		parse_error(p, p->tok.start, "expected a quoted string, a number "
		    "or a fact name");
		goto fail;
	}
	if ((n->op == OP_RE || n->op == OP_NRE) && n->arg_type != ARG_FACT) {
		if (regex_compile(&n->re, n->arg, errbuf, sizeof errbuf) != 0) {
			parse_error(p, at, "expected a regular expression (%s)",
			    errbuf);
			goto fail;
		}
		n->has_re = 1;
	}
	if (lex(p) != 0)
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *
parse_unary(struct parser *p, int depth)
{
	struct node *n, *kid;

	if (p->tok.type != T_NOT && p->tok.type != T_LPAREN)
		return parse_cmp(p);
	if (depth >= RULE_MAX_DEPTH) {
		parse_error(p, p->tok.start, "expected at most %d levels of "
		    "'(' and '!'", RULE_MAX_DEPTH);
		return NULL;
	}
	if (p->tok.type == T_NOT) {
		if (lex(p) != 0 || (kid = parse_unary(p, depth + 1)) == NULL)
			return NULL;
		n = node_new(N_NOT);
		node_add(n, kid);
		return n;
	}
	if (lex(p) != 0 || (n = parse_or(p, depth + 1)) == NULL)
		return NULL;
	if (p->tok.type != T_RPAREN) {
		parse_error(p, p->tok.start, "expected %s'&&', '||' or ')'",
		    p->last_bare ? "an operator, " : "");
		node_free(n);
		return NULL;
	}
	p->last_bare = 0;
	if (lex(p) != 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* and := unary { "&&" unary }, or := and { "||" and }: kept as lists. */
static struct node *
parse_list(struct parser *p, int depth, enum node_type type)
{
	enum tok_type sep = type == N_OR ? T_OR : T_AND;
	struct node *n = NULL, *kid;

	for (;;) {
		kid = type == N_OR ? parse_list(p, depth, N_AND) :
		    parse_unary(p, depth);
		if (kid == NULL)
			goto fail;
		if (n == NULL && p->tok.type != sep)
			return kid;
		if (n == NULL)
			n = node_new(type);
		node_add(n, kid);
		if (p->tok.type != sep)
			return n;
		if (lex(p) != 0)
			goto fail;
	}
fail:
	node_free(n);
	return NULL;
}

static struct node *
parse_or(struct parser *p, int depth)
{
	return parse_list(p, depth, N_OR);
}

struct rule *
rule_parse(const char *text, char **cause)
{
	struct parser p;
	struct rule *rule;
	struct node *root = NULL;
	size_t len;

	if (text == NULL)
		text = "";
	if ((len = strnlen(text, RULE_MAX_LEN + 1)) > RULE_MAX_LEN) {
		set_cause(cause, JF_ERR_TOOBIG, "column %d: expected at most %d "
		    "bytes", RULE_MAX_LEN + 1, RULE_MAX_LEN);
		return NULL;
	}
	memset(&p, 0, sizeof p);
	p.text = text;
	p.cause = cause;
	if (lex(&p) != 0 || (root = parse_or(&p, 0)) == NULL)
		goto fail;
	if (p.tok.type != T_END) {
		parse_error(&p, p.tok.start, "expected %s'&&', '||' or end of "
		    "input", p.last_bare ? "an operator, " : "");
		goto fail;
	}
	rule = xcalloc(1, sizeof *rule);
	rule->text = xstrdup(text);
	rule->root = root;
	return rule;
fail:
	free(p.tok.str);
	node_free(root);
	return NULL;
}

void
rule_free(struct rule *rule)
{
	if (rule == NULL)
		return;
	node_free(rule->root);
	free(rule->text);
	free(rule);
}

const char *
rule_text(const struct rule *rule)
{
	return rule != NULL ? rule->text : NULL;
}

/* --- evaluation ---------------------------------------------------------- */

/* Appends name to used unless it is already one of its lines. */
static void
note_used(struct buf *used, const char *name)
{
	size_t nlen = strlen(name), i = 0, e;

	if (used == NULL)
		return;
	while (i < used->len) {
		for (e = i; e < used->len && used->data[e] != '\n'; e++)
			;
		if (e - i == nlen && memcmp(used->data + i, name, nlen) == 0)
			return;
		i = e + 1;
	}
	/* a full buffer loses evidence, never the result */
	if (used->len > 0 && used->data[used->len - 1] != '\n') {
		if (buf_addch(used, '\n') != 0)
			return;
		if (buf_addstr(used, name) != 0)
			used->data[--used->len] = '\0';
	} else
		(void)buf_addstr(used, name);
}

static const char *
lookup(const struct facts *fs, const char *name, struct buf *used)
{
	note_used(used, name);
	return fs != NULL ? facts_get(fs, name) : NULL;
}

/*
 * Splits a NUMBER into sign, integer digits without leading zeros and
 * fraction digits without trailing zeros.
 */
static void
num_split(const char *s, int *neg, const char **ip, size_t *il,
    const char **fp, size_t *fl)
{
	*neg = *s == '-';
	if (*neg)
		s++;
	while (*s == '0')
		s++;
	*ip = s;
	for (*il = 0; isdigit((unsigned char)s[*il]); (*il)++)
		;
	s += *il;
	*fp = *s == '.' ? s + 1 : s;
	*fl = strlen(*fp);
	while (*fl > 0 && (*fp)[*fl - 1] == '0')
		(*fl)--;
	if (*il == 0 && *fl == 0)
		*neg = 0; /* -0 is 0 */
}

/* Compares two NUMBERs exactly: <0, 0 or >0. */
static int
num_cmp(const char *a, const char *b)
{
	const char *ai, *af, *bi, *bf;
	size_t ail, afl, bil, bfl, i;
	int aneg, bneg, c = 0;
	char ca, cb;

	num_split(a, &aneg, &ai, &ail, &af, &afl);
	num_split(b, &bneg, &bi, &bil, &bf, &bfl);
	if (aneg != bneg)
		return aneg ? -1 : 1;
	if (ail != bil)
		c = ail < bil ? -1 : 1;
	else if ((c = memcmp(ai, bi, ail)) == 0) {
		for (i = 0; c == 0 && (i < afl || i < bfl); i++) {
			ca = i < afl ? af[i] : '0';
			cb = i < bfl ? bf[i] : '0';
			c = ca - cb;
		}
	}
	c = c < 0 ? -1 : c > 0;
	return aneg ? -c : c;
}

static int
truthy(const char *v)
{
	static const char *const no[] = { "", "0", "no", "false", "off" };
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; i < nitems(no); i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return 1;
}

static int
eval_match(const struct node *n, const char *value, const char *pattern)
{
	regex_t re;
	char err[256];
	int r;

	if (n->has_re)
		return regexec(&n->re, value, 0, NULL, 0) == 0;
	if (regex_compile(&re, pattern, err, sizeof err) != 0)
		return -1;
	r = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return r;
}

static int
eval_cmp(const struct node *n, const struct facts *fs, struct buf *used)
{
	const char *v, *arg;
	int numeric, c, m;

	if ((v = lookup(fs, n->fact, used)) == NULL)
		return 0;
	if (n->arg_type == ARG_FACT) {
		if ((arg = lookup(fs, n->arg, used)) == NULL)
			return 0;
	} else
		arg = n->arg;
	numeric = n->arg_type != ARG_STR && is_number(v) && is_number(arg);
	switch (n->op) {
	case OP_EQ:
	case OP_NE:
		c = numeric ? num_cmp(v, arg) : strcmp(v, arg);
		return n->op == OP_EQ ? c == 0 : c != 0;
	case OP_RE:
	case OP_NRE:
		if ((m = eval_match(n, v, arg)) < 0)
			return 0;
		return n->op == OP_RE ? m : !m;
	default:
		break;
	}
	if (!is_number(v) || !is_number(arg))
		return 0;
	c = num_cmp(v, arg);
	switch (n->op) {
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	default:
		return 0;
	}
}

static int
eval_node(const struct node *n, const struct facts *fs, struct buf *used)
{
	size_t i;

	switch (n->type) {
	case N_OR:
		for (i = 0; i < n->nkids; i++)
			if (eval_node(n->kids[i], fs, used))
				return 1;
		return 0;
	case N_AND:
		for (i = 0; i < n->nkids; i++)
			if (!eval_node(n->kids[i], fs, used))
				return 0;
		return 1;
	case N_NOT:
		return !eval_node(n->kids[0], fs, used);
	case N_TRUTH:
		return truthy(lookup(fs, n->fact, used));
	case N_CMP:
		return eval_cmp(n, fs, used);
	}
	return 0;
}

int
rule_eval(const struct rule *rule, const struct facts *fs, struct buf *used)
{
	if (rule == NULL || rule->root == NULL)
		return 0;
	return eval_node(rule->root, fs, used);
}
