/*
 * shvar.c - read and edit top-level variable assignments in a bash script.
 *
 * A lexer turns the script into words and operators the way bash would
 * split it (quotes spanning lines, $( ) parsed recursively, ${ }, $(( )),
 * backquotes, here-document bodies skipped at the next newline, comments,
 * backslash-newline).  A small parser on top keeps a stack of open blocks
 * (if, case, loops, { }, ( )) and, for every simple command, whether it
 * only assigns and how it is joined to its neighbours.  Each assignment is
 * recorded with the byte span of its value, so an edit replaces exactly
 * those bytes and leaves every other byte alone.  See shvar.h for limits.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shvar.h"
#include "util.h"

#define SHVAR_MAX_NEST 64    /* $( ) inside $( ) */
#define SHVAR_MAX_BLOCKS 1024 /* open if/case/loops/braces */

struct shassign {
	char *name;
	char *value;     /* quote-removed, or raw text when dynamic */
	size_t val_off;  /* raw value span in the data */
	size_t val_end;
	size_t hash_off; /* commented: the '#' */
	size_t text_off; /* commented: first byte after '#' and blanks */
	int line;
	int dynamic;
	int special;     /* dynamic by its form: +=, declare -i and the like */
	int commented;
	int active;
	int prefix;      /* came before any command word */
	int done;        /* its command was finished (maybe a nested one) */
};

struct shfile {
	char *origin;
	char *data;
	size_t len;
	struct shassign *as;
	size_t nas;
};

enum tok {
	T_EOF, T_WORD, T_NEWLINE, T_SEMI, T_DSEMI, T_AMP, T_AND, T_OR,
	T_PIPE, T_LPAREN, T_RPAREN, T_REDIR, T_HEREDOC, T_COMMENT
};

struct token {
	enum tok type;
	size_t off;
	size_t end;
	int line;
};

struct heredoc {
	char *delim;
	int strip_tabs;
};

struct scan {
	const char *s;
	size_t pos;
	size_t end;
	int line;
	const char *origin;
	char **cause;
	int quiet;         /* no message: a trial scan of a comment */
	int err;
	int nest;
	struct heredoc *hd;
	size_t nhd;
	struct shfile *f;  /* where assignments go, NULL in a trial scan */
};

enum blk { B_IF, B_LOOP, B_CASE, B_BRACE, B_SUBSHELL };
static const char *const blk_names[] = {
	"if", "loop", "case", "{", "("
};

struct frame {
	enum blk kind;
	int line;
	int case_state; /* 0 word, 1 in, 2 pattern, 3 commands */
};

enum sep {
	S_START, S_NEWLINE, S_SEMI, S_AMP, S_AND, S_OR, S_PIPE, S_DSEMI,
	S_RPAREN, S_EOF
};

struct cmd {
	enum sep prev;
	size_t first_as;
	int nwords;
	int cmdword;
	int decl;
	int decl_local;
	int decl_opts;
	int decl_dyn;
	int cond;
	int redir_next;
	int fname_next;
	int funcdef;
	int after_for;
};

static int parse_list(struct scan *, int sub);
static int scan_dollar(struct scan *, int in_dq);
static int scan_element(struct scan *, int in_dq);

static int JF_PRINTF(3, 4)
scan_error(struct scan *sc, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (sc->err != 0)
		return sc->err;
	if (sc->quiet) {
		sc->err = -JF_ERR_PARSE;
		return sc->err;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	sc->err = set_cause(sc->cause, JF_ERR_PARSE, "%s:%d: %s", sc->origin,
	    line, msg);
	free(msg);
	return sc->err;
}

static void
adv(struct scan *sc)
{
	if (sc->s[sc->pos] == '\n')
		sc->line++;
	sc->pos++;
}

/* A CR that ends a line (before LF or at the end) is line ending. */
static int
at_crlf(const struct scan *sc, size_t i)
{
	return sc->s[i] == '\r' && (i + 1 >= sc->end || sc->s[i + 1] == '\n');
}

static int
is_meta(const struct scan *sc, size_t i)
{
	return (sc->s[i] != '\0' && strchr(" \t\n;&|<>()", sc->s[i]) != NULL) ||
	    at_crlf(sc, i);
}

/* Length of a backslash-newline at i, 0 if there is none. */
static size_t
continuation(const struct scan *sc, size_t i)
{
	if (i + 1 < sc->end && sc->s[i] == '\\' && sc->s[i + 1] == '\n')
		return 2;
	if (i + 2 < sc->end && sc->s[i] == '\\' && sc->s[i + 1] == '\r' &&
	    sc->s[i + 2] == '\n')
		return 3;
	return 0;
}

static int
scan_squote(struct scan *sc)
{
	int line = sc->line;

	adv(sc);
	while (sc->pos < sc->end && sc->s[sc->pos] != '\'')
		adv(sc);
	if (sc->pos >= sc->end)
		return scan_error(sc, line, "unterminated single quote");
	adv(sc);
	return 0;
}

/*
 * Up to and past the byte close, a backslash escaping the byte after it
 * (backquotes, $' ').  what names the construct opened at line.
 */
static int
scan_escaped(struct scan *sc, char close, int line, const char *what)
{
	for (;;) {
		if (sc->pos >= sc->end)
			return scan_error(sc, line, "unterminated %s", what);
		if (sc->s[sc->pos] == close) {
			adv(sc);
			return 0;
		}
		if (sc->s[sc->pos] == '\\' && sc->pos + 1 < sc->end)
			adv(sc);
		adv(sc);
	}
}

static int
scan_backtick(struct scan *sc)
{
	int line = sc->line;

	adv(sc);
	return scan_escaped(sc, '`', line, "backquote");
}

static int
scan_dquote(struct scan *sc)
{
	int line = sc->line, r;

	adv(sc);
	for (;;) {
		if (sc->pos >= sc->end)
			return scan_error(sc, line, "unterminated double quote");
		if (sc->s[sc->pos] == '"') {
			adv(sc);
			return 0;
		}
		if ((r = scan_element(sc, 1)) != 0)
			return r;
	}
}

/*
 * One piece of a word at sc->pos, the same in every context: a quoted
 * string, a backquote, a $ expansion, a backslash pair or a plain byte.
 * Inside double quotes (in_dq) a single quote is a plain byte.
 */
static int
scan_element(struct scan *sc, int in_dq)
{
	switch (sc->s[sc->pos]) {
	case '\\':
		adv(sc);
		if (sc->pos < sc->end)
			adv(sc);
		return 0;
	case '\'':
		if (!in_dq)
			return scan_squote(sc);
		adv(sc);
		return 0;
	case '"':
		return scan_dquote(sc);
	case '`':
		return scan_backtick(sc);
	case '$':
		return scan_dollar(sc, in_dq);
	default:
		adv(sc);
		return 0;
	}
}

/* After "$((" (or "((" of a command): up to the matching "))". */
static int
scan_arith(struct scan *sc, int line)
{
	int depth = 0, r = 0;

	for (;;) {
		if (sc->pos >= sc->end)
			return scan_error(sc, line, "unterminated (( ))");
		switch (sc->s[sc->pos]) {
		case '(':
			depth++;
			adv(sc);
			break;
		case ')':
			if (depth == 0 && sc->pos + 1 < sc->end &&
			    sc->s[sc->pos + 1] == ')') {
				sc->pos += 2;
				return 0;
			}
			if (depth > 0)
				depth--;
			adv(sc);
			break;
		default:
			r = scan_element(sc, 0);
			break;
		}
		if (r != 0)
			return r;
	}
}

/* After "${": up to the matching "}". */
static int
scan_brace(struct scan *sc, int in_dq, int line)
{
	int r;

	for (;;) {
		if (sc->pos >= sc->end)
			return scan_error(sc, line, "unterminated ${");
		if (sc->s[sc->pos] == '}') {
			adv(sc);
			return 0;
		}
		if ((r = scan_element(sc, in_dq)) != 0)
			return r;
	}
}

/* After "$(" or "<(": a nested command list up to its ")". */
static int
scan_subst(struct scan *sc)
{
	int r;

	if (sc->nest >= SHVAR_MAX_NEST)
		return scan_error(sc, sc->line, "$( ) nested deeper than %d",
		    SHVAR_MAX_NEST);
	sc->nest++;
	r = parse_list(sc, 1);
	sc->nest--;
	return r;
}

/* At '$'. */
static int
scan_dollar(struct scan *sc, int in_dq)
{
	int line = sc->line;
	char n = sc->pos + 1 < sc->end ? sc->s[sc->pos + 1] : '\0';

	if (n == '\'' && !in_dq) {
		adv(sc);
		adv(sc);
		return scan_escaped(sc, '\'', line, "$' quote");
	}
	if (n == '"' && !in_dq) {
		adv(sc);
		return scan_dquote(sc);
	}
	if (n == '(') {
		if (sc->pos + 2 < sc->end && sc->s[sc->pos + 2] == '(') {
			sc->pos += 3;
			return scan_arith(sc, line);
		}
		sc->pos += 2;
		return scan_subst(sc);
	}
	if (n == '{') {
		sc->pos += 2;
		return scan_brace(sc, in_dq, line);
	}
	adv(sc);
	return 0;
}

/* An array value after NAME=: from '(' to the matching ')'. */
static int
scan_parens(struct scan *sc)
{
	int depth = 0, line = sc->line, r = 0;

	for (;;) {
		if (sc->pos >= sc->end)
			return scan_error(sc, line, "unterminated array ( )");
		switch (sc->s[sc->pos]) {
		case '(':
			depth++;
			adv(sc);
			break;
		case ')':
			adv(sc);
			if (--depth == 0)
				return 0;
			break;
		default:
			r = scan_element(sc, 0);
			break;
		}
		if (r != 0)
			return r;
	}
}

/*
 * Is s[0..n) an assignment word (NAME=, NAME+=, NAME[x]=)?  *eq is the
 * index of '=', *append for +=, *subscript for NAME[x].
 */
static int
assign_word(const char *s, size_t n, size_t *eq, int *append, int *subscript)
{
	size_t i = 0;

	*append = *subscript = 0;
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	if (i < n && s[i] == '[') {
		while (i < n && s[i] != ']')
			i++;
		if (i == n)
			return 0;
		i++;
		*subscript = 1;
	}
	if (i + 1 < n && s[i] == '+' && s[i + 1] == '=') {
		*append = 1;
		i++;
	}
	if (i < n && s[i] == '=') {
		*eq = i;
		return 1;
	}
	return 0;
}

/* Scans the rest of a word from sc->pos. */
static int
scan_word(struct scan *sc, size_t off)
{
	size_t eq, c;
	int append, sub, r;

	for (;;) {
		if (sc->pos >= sc->end)
			return 0;
		if ((c = continuation(sc, sc->pos)) != 0) {
			while (c-- > 0)
				adv(sc);
			continue;
		}
		if (sc->s[sc->pos] == '(' && sc->pos > off &&
		    sc->s[sc->pos - 1] == '=' &&
		    assign_word(sc->s + off, sc->pos - off, &eq, &append, &sub) &&
		    off + eq + 1 == sc->pos) {
			if ((r = scan_parens(sc)) != 0)
				return r;
			continue;
		}
		if (is_meta(sc, sc->pos))
			return 0;
		if ((r = scan_element(sc, 0)) != 0)
			return r;
	}
}

/* Skips the bodies of pending here-documents after a newline. */
static void
read_heredocs(struct scan *sc)
{
	size_t i, ls, le, eol, p, dlen;
	const char *nl;
	int match;

	for (i = 0; i < sc->nhd; i++) {
		dlen = strlen(sc->hd[i].delim);
		match = 0;
		while (!match && sc->pos < sc->end) {
			ls = sc->pos;
			nl = memchr(sc->s + ls, '\n', sc->end - ls);
			eol = nl != NULL ? (size_t)(nl - sc->s) : sc->end;
			le = eol;
			if (le > ls && sc->s[le - 1] == '\r')
				le--;
			p = ls;
			if (sc->hd[i].strip_tabs)
				while (p < le && sc->s[p] == '\t')
					p++;
			match = le - p == dlen &&
			    memcmp(sc->s + p, sc->hd[i].delim, dlen) == 0;
			if (eol < sc->end) {
				sc->pos = eol + 1;
				sc->line++;
			} else
				sc->pos = sc->end;
		}
		free(sc->hd[i].delim);
	}
	free(sc->hd);
	sc->hd = NULL;
	sc->nhd = 0;
}

/* After "<<" or "<<-": the delimiter word. */
static int
scan_heredoc_op(struct scan *sc, int strip_tabs)
{
	struct buf d = BUF_INIT;
	size_t off, i;
	int line = sc->line, r;

	while (sc->pos < sc->end && (sc->s[sc->pos] == ' ' ||
	    sc->s[sc->pos] == '\t'))
		adv(sc);
	if (sc->pos >= sc->end || is_meta(sc, sc->pos))
		return scan_error(sc, line, "missing here-document delimiter");
	off = sc->pos;
	if ((r = scan_word(sc, off)) != 0)
		return r;
	for (i = off; i < sc->pos; i++) {
		if (sc->s[i] == '\'' || sc->s[i] == '"')
			continue;
		if (sc->s[i] == '\\' && i + 1 < sc->pos)
			i++;
		buf_addch(&d, sc->s[i]);
	}
	if (d.data == NULL)
		buf_addstr(&d, "");
	sc->hd = xreallocarray(sc->hd, sc->nhd + 1, sizeof *sc->hd);
	sc->hd[sc->nhd].delim = buf_detach(&d);
	sc->hd[sc->nhd].strip_tabs = strip_tabs;
	sc->nhd++;
	return 0;
}

/* Redirection operators starting with '<' or '>' at sc->pos. */
static int
lex_angle(struct scan *sc, struct token *t)
{
	const char *s = sc->s;
	size_t p = sc->pos, e = sc->end;

	t->type = T_REDIR;
	if (s[p] == '<') {
		if (p + 2 < e && s[p + 1] == '<' && s[p + 2] == '<') {
			sc->pos += 3;
		} else if (p + 1 < e && s[p + 1] == '<') {
			int strip = p + 2 < e && s[p + 2] == '-';

			sc->pos += strip ? 3 : 2;
			t->type = T_HEREDOC;
			return scan_heredoc_op(sc, strip);
		} else if (p + 1 < e && (s[p + 1] == '&' || s[p + 1] == '>'))
			sc->pos += 2;
		else
			sc->pos += 1;
	} else {
		if (p + 1 < e && (s[p + 1] == '>' || s[p + 1] == '&' ||
		    s[p + 1] == '|'))
			sc->pos += 2;
		else
			sc->pos += 1;
	}
	return 0;
}

static int
next_token(struct scan *sc, struct token *t)
{
	const char *s = sc->s;
	size_t c, i;
	int r = 0, digits;

	for (;;) {
		if (sc->pos < sc->end && (s[sc->pos] == ' ' ||
		    s[sc->pos] == '\t')) {
			adv(sc);
			continue;
		}
		if (sc->pos < sc->end && s[sc->pos] == '\r' &&
		    at_crlf(sc, sc->pos)) {
			adv(sc);
			continue;
		}
		if ((c = continuation(sc, sc->pos)) != 0) {
			while (c-- > 0)
				adv(sc);
			continue;
		}
		break;
	}
	t->off = sc->pos;
	t->line = sc->line;
	if (sc->pos >= sc->end) {
		t->type = T_EOF;
		t->end = sc->pos;
		return 0;
	}
	switch (s[sc->pos]) {
	case '\n':
		adv(sc);
		t->type = T_NEWLINE;
		if (sc->nhd > 0)
			read_heredocs(sc);
		break;
	case '#':
		while (sc->pos < sc->end && s[sc->pos] != '\n')
			adv(sc);
		t->type = T_COMMENT;
		break;
	case ';':
		t->type = T_SEMI;
		adv(sc);
		if (sc->pos < sc->end && s[sc->pos] == ';') {
			adv(sc);
			t->type = T_DSEMI;
			if (sc->pos < sc->end && s[sc->pos] == '&')
				adv(sc);
		} else if (sc->pos < sc->end && s[sc->pos] == '&') {
			adv(sc);
			t->type = T_DSEMI;
		}
		break;
	case '&':
		adv(sc);
		t->type = T_AMP;
		if (sc->pos < sc->end && s[sc->pos] == '&') {
			adv(sc);
			t->type = T_AND;
		} else if (sc->pos < sc->end && s[sc->pos] == '>') {
			adv(sc);
			t->type = T_REDIR;
			if (sc->pos < sc->end && s[sc->pos] == '>')
				adv(sc);
		}
		break;
	case '|':
		adv(sc);
		t->type = T_PIPE;
		if (sc->pos < sc->end && s[sc->pos] == '|') {
			adv(sc);
			t->type = T_OR;
		} else if (sc->pos < sc->end && s[sc->pos] == '&')
			adv(sc);
		break;
	case '(':
		adv(sc);
		t->type = T_LPAREN;
		break;
	case ')':
		adv(sc);
		t->type = T_RPAREN;
		break;
	case '<':
	case '>':
		if (sc->pos + 1 < sc->end && s[sc->pos + 1] == '(') {
			/* process substitution: a word */
			sc->pos += 2;
			t->type = T_WORD;
			if ((r = scan_subst(sc)) == 0)
				r = scan_word(sc, t->off);
			break;
		}
		r = lex_angle(sc, t);
		break;
	default:
		t->type = T_WORD;
		if ((r = scan_word(sc, t->off)) != 0)
			break;
		/* an fd number right before a redirection */
		digits = sc->pos > t->off;
		for (i = t->off; i < sc->pos; i++)
			if (!isdigit((unsigned char)s[i]))
				digits = 0;
		if (digits && sc->pos < sc->end && (s[sc->pos] == '<' ||
		    s[sc->pos] == '>') && !(sc->pos + 1 < sc->end &&
		    s[sc->pos + 1] == '('))
			r = lex_angle(sc, t);
		break;
	}
	t->end = sc->pos;
	return r;
}

/*
 * Quote removal for a value s[off..end).  Returns 1 (and *out NULL) when
 * bash would compute the value rather than read it literally.
 */
static int
decode_value(const char *s, size_t off, size_t end, char **out)
{
	struct buf b = BUF_INIT;
	size_t i = off, j;

	*out = NULL;
	if (i < end && s[i] == '(')
		return 1;
	buf_addstr(&b, "");
	while (i < end) {
		switch (s[i]) {
		case '\\':
			if (i + 1 >= end) {
				buf_addch(&b, '\\');
				i++;
			} else if (s[i + 1] == '\n')
				i += 2;
			else if (s[i + 1] == '\r' && i + 2 < end &&
			    s[i + 2] == '\n')
				i += 3;
			else {
				buf_addch(&b, s[i + 1]);
				i += 2;
			}
			break;
		case '\'':
			for (j = i + 1; j < end && s[j] != '\''; j++)
				;
			buf_add(&b, s + i + 1, j - i - 1);
			i = j + 1;
			break;
		case '"':
			for (i++; i < end && s[i] != '"'; i++) {
				if (s[i] == '$' || s[i] == '`')
					goto dynamic;
				if (s[i] == '\\' && i + 1 < end &&
				    strchr("$`\"\\\n", s[i + 1]) != NULL) {
					i++;
					if (s[i] != '\n')
						buf_addch(&b, s[i]);
					continue;
				}
				buf_addch(&b, s[i]);
			}
			i++;
			break;
		case '$':
		case '`':
			goto dynamic;
		case '~':
			if (i == off || s[i - 1] == ':')
				goto dynamic;
			/* FALLTHROUGH */
		default:
			buf_addch(&b, s[i]);
			i++;
			break;
		}
	}
	*out = buf_detach(&b);
	return 0;
dynamic:
	buf_free(&b);
	return 1;
}

/* Records the assignment word t: name ends at name_end, value at val_off. */
static struct shassign *
record(struct scan *sc, const struct token *t, size_t name_end, size_t val_off,
    int dyn, int line)
{
	struct shfile *f = sc->f;
	struct shassign *a;
	char *v;

	if (f == NULL)
		return NULL;
	f->as = xreallocarray(f->as, f->nas + 1, sizeof *f->as);
	a = &f->as[f->nas++];
	memset(a, 0, sizeof *a);
	a->name = xstrndup(sc->s + t->off, name_end - t->off);
	a->val_off = val_off;
	a->val_end = t->end;
	a->line = line;
	a->special = dyn;
	if (decode_value(sc->s, a->val_off, a->val_end, &v) || dyn) {
		free(v);
		a->dynamic = 1;
		a->value = xstrndup(sc->s + a->val_off, a->val_end - a->val_off);
	} else
		a->value = v;
	if (is_secret_key(a->name))
		secret_register(a->value);
	return a;
}

static int
word_is(const struct scan *sc, const struct token *t, const char *w)
{
	size_t n = strlen(w);

	return t->type == T_WORD && t->end - t->off == n &&
	    memcmp(sc->s + t->off, w, n) == 0;
}

/*
 * A comment at the start of a top-level line: is it `#[ ]NAME=value` or
 * `#[ ]export NAME=value`, optionally followed by a comment?
 */
static void
comment_candidate(struct scan *sc, const struct token *t)
{
	struct scan tr;
	struct token w, n;
	size_t i, eq, text, eol;
	int append, sub;
	struct shassign *a;

	for (i = t->off; i > 0 && sc->s[i - 1] != '\n'; i--)
		if (sc->s[i - 1] != ' ' && sc->s[i - 1] != '\t')
			return;
	for (text = t->off + 1; text < t->end && (sc->s[text] == ' ' ||
	    sc->s[text] == '\t'); text++)
		;
	eol = t->end;
	if (eol > text && sc->s[eol - 1] == '\r')
		eol--;
	memset(&tr, 0, sizeof tr);
	tr.s = sc->s;
	tr.pos = text;
	tr.end = eol;
	tr.line = t->line;
	tr.quiet = 1;
	tr.origin = sc->origin;
	if (next_token(&tr, &w) != 0)
		goto out;
	if (word_is(&tr, &w, "export") && next_token(&tr, &w) != 0)
		goto out;
	if (w.type != T_WORD || !assign_word(tr.s + w.off, w.end - w.off,
	    &eq, &append, &sub) || append || sub)
		goto out;
	if (next_token(&tr, &n) != 0 || (n.type != T_EOF &&
	    n.type != T_COMMENT) || tr.nhd != 0)
		goto out;
	tr.f = sc->f;
	if ((a = record(&tr, &w, w.off + eq, w.off + eq + 1, 0,
	    t->line)) != NULL) {
		a->commented = 1;
		a->hash_off = t->off;
		a->text_off = text;
	}
out:
	for (i = 0; i < tr.nhd; i++)
		free(tr.hd[i].delim);
	free(tr.hd);
}

static void
cmd_reset(struct cmd *c, enum sep prev, size_t nas)
{
	memset(c, 0, sizeof *c);
	c->prev = prev;
	c->first_as = nas;
}

static void
cmd_finish(struct scan *sc, struct cmd *c, enum sep next, int nested)
{
	struct shassign *a;
	size_t i;
	int ok;

	if (sc->f == NULL)
		return;
	ok = !nested && !c->cond && c->prev != S_AND && c->prev != S_OR &&
	    c->prev != S_PIPE && next != S_PIPE && next != S_AMP;
	for (i = c->first_as; i < sc->f->nas; i++) {
		a = &sc->f->as[i];
		if (a->commented || a->done)
			continue;
		a->done = 1;
		if (a->prefix)
			a->active = ok && !c->cmdword;
		else
			a->active = ok && c->decl && !c->decl_local;
	}
}

/* A compound command just closed: only redirections may follow. */
static void
compound_end(struct cmd *c)
{
	c->nwords = 1;
	c->cmdword = 1;
	c->decl = 0;
}

static int
push(struct scan *sc, struct frame **stk, size_t *n, enum blk kind, int line)
{
	if (*n >= SHVAR_MAX_BLOCKS)
		return scan_error(sc, line, "blocks nested deeper than %d",
		    SHVAR_MAX_BLOCKS);
	*stk = xreallocarray(*stk, *n + 1, sizeof **stk);
	(*stk)[*n].kind = kind;
	(*stk)[*n].line = line;
	(*stk)[*n].case_state = 0;
	(*n)++;
	return 0;
}

static int
pop(struct scan *sc, struct frame *stk, size_t *n, enum blk kind,
    const struct token *t)
{
	if (*n == 0 || stk[*n - 1].kind != kind)
		return scan_error(sc, t->line, "unexpected '%.*s'",
		    (int)(t->end - t->off), sc->s + t->off);
	(*n)--;
	return 0;
}

/* A word at the start of a command: handles reserved words; 1 if it was. */
static int
reserved(struct scan *sc, struct cmd *c, struct frame **stk, size_t *n,
    const struct token *t, int *r)
{
	static const char *const opens[] = { "if", "while", "until" };
	static const char *const mids[] = { "then", "else", "elif", "do" };
	size_t i;

	for (i = 0; i < nitems(opens); i++)
		if (word_is(sc, t, opens[i])) {
			*r = push(sc, stk, n, i == 0 ? B_IF : B_LOOP, t->line);
			return 1;
		}
	for (i = 0; i < nitems(mids); i++)
		if (word_is(sc, t, mids[i])) {
			if (*n == 0 || (*stk)[*n - 1].kind !=
			    (i == 3 ? B_LOOP : B_IF))
				*r = scan_error(sc, t->line, "unexpected '%s'",
				    mids[i]);
			return 1;
		}
	if (word_is(sc, t, "fi") || word_is(sc, t, "done") ||
	    word_is(sc, t, "}") || word_is(sc, t, "esac")) {
		enum blk k = sc->s[t->off] == 'f' ? B_IF :
		    sc->s[t->off] == 'd' ? B_LOOP :
		    sc->s[t->off] == '}' ? B_BRACE : B_CASE;
		*r = pop(sc, *stk, n, k, t);
		compound_end(c);
		return 1;
	}
	if (word_is(sc, t, "{")) {
		*r = push(sc, stk, n, B_BRACE, t->line);
		return 1;
	}
	if (word_is(sc, t, "case")) {
		*r = push(sc, stk, n, B_CASE, t->line);
		return 1;
	}
	if (word_is(sc, t, "for") || word_is(sc, t, "select")) {
		*r = push(sc, stk, n, B_LOOP, t->line);
		c->nwords = 1;
		c->cmdword = 1;
		c->after_for = 1;
		return 1;
	}
	if (word_is(sc, t, "!") || word_is(sc, t, "time") ||
	    word_is(sc, t, "coproc")) {
		c->cond = 1;
		return 1;
	}
	if (word_is(sc, t, "function")) {
		c->fname_next = 1;
		return 1;
	}
	if (word_is(sc, t, "[[")) {
		struct token w;

		for (;;) {
			if ((*r = next_token(sc, &w)) != 0)
				return 1;
			if (w.type == T_EOF) {
				*r = scan_error(sc, t->line,
				    "unterminated [[");
				return 1;
			}
			if (word_is(sc, &w, "]]"))
				break;
		}
		compound_end(c);
		return 1;
	}
	return 0;
}

static void
plain_word(struct scan *sc, struct cmd *c, const struct token *t)
{
	static const char *const decls[] = {
		"export", "readonly", "declare", "typeset", "local"
	};
	const char *w = sc->s + t->off;
	size_t n = t->end - t->off, eq, i;
	int append, sub;
	struct shassign *a;

	if ((!c->cmdword || (c->decl && !(c->decl_opts && n > 0 &&
	    (w[0] == '-' || w[0] == '+')))) &&
	    assign_word(w, n, &eq, &append, &sub)) {
		if (!sub) {
			a = record(sc, t, t->off + eq - (size_t)append,
			    t->off + eq + 1, append || c->decl_dyn, t->line);
			if (a != NULL)
				a->prefix = !c->cmdword;
		}
		if (c->decl)
			c->decl_opts = 0;
	} else if (!c->cmdword) {
		c->cmdword = 1;
		for (i = 0; i < nitems(decls); i++)
			if (word_is(sc, t, decls[i])) {
				c->decl = 1;
				c->decl_opts = 1;
				c->decl_local = i == 4;
			}
	} else if (c->decl && c->decl_opts && n > 0 &&
	    (w[0] == '-' || w[0] == '+')) {
		if (n == 2 && w[0] == '-' && w[1] == '-')
			c->decl_opts = 0;
		for (i = 1; i < n; i++)
			if (strchr("xrgnp", w[i]) == NULL)
				c->decl_dyn = 1;
	} else if (c->decl)
		c->decl_opts = 0;
	c->nwords++;
	c->after_for = 0;
}

static int
parse_list(struct scan *sc, int sub)
{
	struct frame *stk = NULL, *top;
	size_t nstk = 0;
	struct cmd c;
	struct token t, t2;
	enum sep sep;
	int r = 0;

	cmd_reset(&c, S_START, sc->f != NULL ? sc->f->nas : 0);
	for (;;) {
		if ((r = next_token(sc, &t)) != 0)
			goto out;
		top = nstk > 0 ? &stk[nstk - 1] : NULL;
		if (top != NULL && top->kind == B_CASE && top->case_state < 3) {
			if (t.type == T_NEWLINE || t.type == T_COMMENT)
				continue;
			if (top->case_state == 0 && t.type == T_WORD) {
				top->case_state = 1;
				continue;
			}
			if (top->case_state == 1 && word_is(sc, &t, "in")) {
				top->case_state = 2;
				continue;
			}
			if (top->case_state == 2) {
				if (word_is(sc, &t, "esac")) {
					nstk--;
					cmd_reset(&c, S_NEWLINE, sc->f ?
					    sc->f->nas : 0);
					compound_end(&c);
					continue;
				}
				if (t.type == T_WORD || t.type == T_LPAREN ||
				    t.type == T_PIPE)
					continue;
				if (t.type == T_RPAREN) {
					top->case_state = 3;
					cmd_reset(&c, S_NEWLINE, sc->f ?
					    sc->f->nas : 0);
					continue;
				}
			}
			r = scan_error(sc, t.line, "bad case statement (opened "
			    "at line %d)", top->line);
			goto out;
		}
		switch (t.type) {
		case T_COMMENT:
			if (!sub && nstk == 0 && c.nwords == 0 && !c.cond &&
			    !c.redir_next && !c.fname_next && !c.funcdef &&
			    (c.prev == S_START || c.prev == S_NEWLINE) &&
			    sc->f != NULL)
				comment_candidate(sc, &t);
			continue;
		case T_WORD:
			if (c.redir_next) {
				c.redir_next = 0;
				continue;
			}
			if (c.fname_next) {
				c.fname_next = 0;
				c.funcdef = 1;
				continue;
			}
			if (c.nwords == 0 && reserved(sc, &c, &stk, &nstk, &t,
			    &r)) {
				if (r != 0)
					goto out;
				continue;
			}
			plain_word(sc, &c, &t);
			continue;
		case T_REDIR:
			c.redir_next = 1;
			continue;
		case T_HEREDOC:
			continue;
		case T_LPAREN:
			if (c.funcdef || (c.nwords == 1 && c.cmdword &&
			    !c.decl && !c.after_for)) {
				if ((r = next_token(sc, &t2)) != 0)
					goto out;
				if (t2.type != T_RPAREN) {
					r = scan_error(sc, t.line,
					    "syntax error near '('");
					goto out;
				}
				/* a function definition: its body follows */
				cmd_reset(&c, S_NEWLINE, sc->f ? sc->f->nas : 0);
				continue;
			}
			if ((c.nwords == 0 || c.after_for) &&
			    sc->pos < sc->end && sc->s[sc->pos] == '(') {
				adv(sc);
				if ((r = scan_arith(sc, t.line)) != 0)
					goto out;
				if (!c.after_for)
					compound_end(&c);
				c.after_for = 0;
				continue;
			}
			if (c.nwords == 0) {
				if ((r = push(sc, &stk, &nstk, B_SUBSHELL,
				    t.line)) != 0)
					goto out;
				continue;
			}
			r = scan_error(sc, t.line, "syntax error near '('");
			goto out;
		case T_RPAREN:
			cmd_finish(sc, &c, S_RPAREN, nstk > 0 || sub);
			if (top != NULL && top->kind == B_SUBSHELL) {
				nstk--;
				cmd_reset(&c, S_NEWLINE, sc->f ? sc->f->nas : 0);
				compound_end(&c);
				continue;
			}
			if (top == NULL && sub)
				goto out;
			r = scan_error(sc, t.line, "unexpected ')'");
			goto out;
		case T_DSEMI:
			if (top == NULL || top->kind != B_CASE) {
				r = scan_error(sc, t.line, "unexpected ';;'");
				goto out;
			}
			cmd_finish(sc, &c, S_DSEMI, 1);
			top->case_state = 2;
			cmd_reset(&c, S_DSEMI, sc->f ? sc->f->nas : 0);
			continue;
		case T_EOF:
			cmd_finish(sc, &c, S_EOF, nstk > 0 || sub);
			if (sub)
				r = scan_error(sc, t.line, "unterminated $( )");
			else if (top != NULL)
				r = scan_error(sc, top->line, "'%s' is never "
				    "closed", blk_names[top->kind]);
			goto out;
		default:
			break;
		}
		/* separators */
		if (t.type == T_NEWLINE && c.nwords == 0 && !c.cond &&
		    (c.prev == S_AND || c.prev == S_OR || c.prev == S_PIPE))
			continue;
		sep = t.type == T_NEWLINE ? S_NEWLINE : t.type == T_SEMI ?
		    S_SEMI : t.type == T_AMP ? S_AMP : t.type == T_AND ?
		    S_AND : t.type == T_OR ? S_OR : S_PIPE;
		cmd_finish(sc, &c, sep, nstk > 0 || sub);
		cmd_reset(&c, sep, sc->f ? sc->f->nas : 0);
	}
out:
	free(stk);
	return r;
}

static void
assigns_free(struct shassign *as, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(as[i].name);
		free_secret(as[i].value);
	}
	free(as);
}

void
shvar_free(struct shfile *f)
{
	if (f == NULL)
		return;
	assigns_free(f->as, f->nas);
	free(f->origin);
	if (f->data != NULL)
		free_secret(f->data);
	free(f);
}

struct shfile *
shvar_parse(const char *data, size_t len, const char *origin, char **cause)
{
	struct shfile *f;
	struct scan sc;
	const char *nul;
	size_t i;
	int line, r;

	if (origin == NULL)
		origin = "(script)";
	if (len > SHVAR_MAX_SIZE) {
		set_cause(cause, JF_ERR_TOOBIG, "%s: %zu bytes is over the "
		    "%zu byte limit for a script", origin, len, SHVAR_MAX_SIZE);
		return NULL;
	}
	if (len > 0 && (nul = memchr(data, '\0', len)) != NULL) {
		line = 1;
		for (i = 0; i < (size_t)(nul - data); i++)
			if (data[i] == '\n')
				line++;
		set_cause(cause, JF_ERR_PARSE, "%s:%d: NUL byte in a script",
		    origin, line);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->origin = xstrdup(origin);
	f->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;

	memset(&sc, 0, sizeof sc);
	sc.s = f->data;
	sc.end = len;
	sc.line = 1;
	sc.origin = f->origin;
	sc.cause = cause;
	sc.f = f;
	r = parse_list(&sc, 0);
	for (i = 0; i < sc.nhd; i++)
		free(sc.hd[i].delim);
	free(sc.hd);
	if (r != 0) {
		shvar_free(f);
		return NULL;
	}
	return f;
}

static const struct shassign *
find(const struct shfile *f, const char *name, int commented)
{
	size_t i;

	for (i = f->nas; i-- > 0;) {
		const struct shassign *a = &f->as[i];

		if (strcmp(a->name, name) != 0)
			continue;
		if (commented ? a->commented : (a->active && !a->commented))
			return a;
	}
	return NULL;
}

const char *
shvar_get(const struct shfile *f, const char *name, int *line, int *dynamic)
{
	const struct shassign *a;

	if (line != NULL)
		*line = 0;
	if (dynamic != NULL)
		*dynamic = 0;
	if (f == NULL || name == NULL || (a = find(f, name, 0)) == NULL)
		return NULL;
	if (line != NULL)
		*line = a->line;
	if (dynamic != NULL)
		*dynamic = a->dynamic;
	return a->value;
}

enum qstyle { Q_NONE, Q_SINGLE, Q_DOUBLE };

static enum qstyle
style_of(const char *raw, size_t n)
{
	if (n > 0 && raw[0] == '\'')
		return Q_SINGLE;
	if (n > 0 && (raw[0] == '"' || raw[0] == '$'))
		return Q_DOUBLE;
	return Q_NONE;
}

static int
plain_safe(const char *v)
{
	for (; *v != '\0'; v++)
		if (!isalnum((unsigned char)*v) &&
		    strchr("_./:@%+,=-", *v) == NULL)
			return 0;
	return 1;
}

/* Appends value quoted so that bash reads it back exactly. */
static void
quote_value(struct buf *b, const char *v, enum qstyle st)
{
	const char *p;

	if (st == Q_NONE) {
		if (plain_safe(v)) {
			buf_addstr(b, v);
			return;
		}
		st = strchr(v, '\'') == NULL ? Q_SINGLE : Q_DOUBLE;
	}
	if (st == Q_SINGLE) {
		buf_addch(b, '\'');
		for (p = v; *p != '\0'; p++) {
			if (*p == '\'')
				buf_addstr(b, "'\\''");
			else
				buf_addch(b, *p);
		}
		buf_addch(b, '\'');
		return;
	}
	buf_addch(b, '"');
	for (p = v; *p != '\0'; p++) {
		if (strchr("$`\"\\", *p) != NULL)
			buf_addch(b, '\\');
		buf_addch(b, *p);
	}
	buf_addch(b, '"');
}

static int
valid_name(const char *n)
{
	if (!(isalpha((unsigned char)*n) || *n == '_'))
		return 0;
	for (; *n != '\0'; n++)
		if (!isalnum((unsigned char)*n) && *n != '_')
			return 0;
	return 1;
}

/* Does text, parsed, read name back as value?  Takes the new shfile. */
static struct shfile *
try_text(const struct shfile *f, struct buf *text, const char *name,
    const char *value)
{
	struct shfile *n;
	const char *got;
	int dyn;

	if ((n = shvar_parse(text->data, text->len, f->origin, NULL)) == NULL)
		return NULL;
	got = shvar_get(n, name, NULL, &dyn);
	if (got == NULL || dyn || strcmp(got, value) != 0) {
		shvar_free(n);
		return NULL;
	}
	return n;
}

int
shvar_set(struct shfile *f, const char *name, const char *value,
    char **cause)
{
	const struct shassign *a;
	struct buf b;
	struct shfile *n = NULL;
	size_t pos;
	const char *eol;

	if (f == NULL || name == NULL || value == NULL || !valid_name(name))
		return set_cause(cause, JF_ERR_USAGE, "%s: \"%s\" is not a "
		    "shell variable name", f ? f->origin : "(script)",
		    name ? name : "(null)");
	if (is_secret_key(name))
		secret_register(value);
	buf_init(&b, SHVAR_MAX_SIZE + 4096);
	b.secret = 1;

	if ((a = find(f, name, 0)) != NULL) {
		buf_add(&b, f->data, a->val_off);
		quote_value(&b, value, style_of(f->data + a->val_off,
		    a->val_end - a->val_off));
		buf_add(&b, f->data + a->val_end, f->len - a->val_end);
		if ((n = try_text(f, &b, name, value)) == NULL) {
			buf_free(&b);
			return set_cause(cause, JF_ERR_PARSE, "%s:%d: cannot "
			    "rewrite the assignment of %s so that bash reads "
			    "the new value", f->origin, a->line, name);
		}
		goto done;
	}
	if ((a = find(f, name, 1)) != NULL) {
		buf_add(&b, f->data, a->hash_off);
		buf_add(&b, f->data + a->text_off, a->val_off - a->text_off);
		quote_value(&b, value, style_of(f->data + a->val_off,
		    a->val_end - a->val_off));
		buf_add(&b, f->data + a->val_end, f->len - a->val_end);
		if ((n = try_text(f, &b, name, value)) != NULL)
			goto done;
		buf_reset(&b);
	}
	/* insert after the leading comment block */
	eol = "\n";
	if ((pos = strcspn(f->data, "\n")) < f->len && pos > 0 &&
	    f->data[pos - 1] == '\r')
		eol = "\r\n";
	pos = 0;
	while (pos < f->len && f->data[pos] == '#') {
		const char *nl = memchr(f->data + pos, '\n', f->len - pos);

		pos = nl != NULL ? (size_t)(nl - f->data) + 1 : f->len;
	}
	buf_add(&b, f->data, pos);
	if (pos == f->len && pos > 0 && f->data[pos - 1] != '\n') {
		/* only comments and no final newline: keep it without */
		buf_addstr(&b, eol);
		buf_printf(&b, "%s=", name);
		quote_value(&b, value, Q_NONE);
	} else {
		buf_printf(&b, "%s=", name);
		quote_value(&b, value, Q_NONE);
		buf_addstr(&b, eol);
		buf_add(&b, f->data + pos, f->len - pos);
	}
	if ((n = try_text(f, &b, name, value)) == NULL) {
		buf_free(&b);
		return set_cause(cause, JF_ERR_PARSE, "%s: cannot insert an "
		    "assignment of %s that bash reads back", f->origin, name);
	}
done:
	buf_free(&b);
	/* n takes the place of f */
	assigns_free(f->as, f->nas);
	free_secret(f->data);
	f->as = n->as;
	f->nas = n->nas;
	f->data = n->data;
	f->len = n->len;
	n->as = NULL;
	n->nas = 0;
	n->data = NULL;
	shvar_free(n);
	return 0;
}

/* A wildcard in an expanded word: a reference that cannot be resolved. */
#define JAVA_WILD '\001'

/* How deep a variable's value is followed into the variables it names,
 * and how many values are followed in all (A=$B$B, B=$C$C, ... doubles). */
#define JAVA_EXPAND_DEPTH 16
#define JAVA_EXPAND_BUDGET 256

/* The last active top-level assignment of name that ends before off. */
static const struct shassign *
find_before(const struct shfile *f, const char *name, size_t off)
{
	size_t i;

	for (i = f->nas; i-- > 0;) {
		const struct shassign *a = &f->as[i];

		if (a->val_end <= off && a->active && !a->commented &&
		    strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

static char *expand_word(const struct shfile *, size_t, size_t, size_t, int,
    int *);

/*
 * The value of $name as bash would see it at offset before (SIZE_MAX: the
 * last assignment, as a function called at the end of the script sees
 * it), appended to b: a literal value as it is; a value that names other
 * variables (JAR=$BASE/lib/x.jar) expanded in turn, with their values as
 * they were where it was assigned; JAVA_WILD where bash would compute
 * (a command substitution, +=) or nothing assigns it.
 */
static void
expand_var(const struct shfile *f, const char *name, size_t before,
    int depth, int *budget, struct buf *b)
{
	const struct shassign *a = before == SIZE_MAX ? find(f, name, 0) :
	    find_before(f, name, before);
	char *sub;

	if (a != NULL && !a->dynamic && strchr(a->value, JAVA_WILD) == NULL) {
		buf_addstr(b, a->value);
		return;
	}
	if (a == NULL || a->special || depth >= JAVA_EXPAND_DEPTH ||
	    *budget <= 0 || (a->val_off < a->val_end &&
	    f->data[a->val_off] == '(')) {
		buf_addch(b, JAVA_WILD);
		return;
	}
	(*budget)--;
	sub = expand_word(f, a->val_off, a->val_end, a->val_off, depth + 1,
	    budget);
	if (sub != NULL)
		buf_addstr(b, sub);
	else
		buf_addch(b, JAVA_WILD);
	free(sub);
}

/*
 * The word data[off..end) as bash would see it, with $NAME and ${NAME}
 * resolved through f's top-level assignments (expand_var) and JAVA_WILD
 * where they are not.  NULL when bash would compute more than that ($( ),
 * `, ${NAME...} with an operator, $1).
 */
static char *
expand_word(const struct shfile *f, size_t off, size_t end, size_t before,
    int depth, int *budget)
{
	const char *s = f->data;
	struct buf b = BUF_INIT, name = BUF_INIT;
	size_t i = off, j;
	int dq = 0;

	buf_addstr(&b, "");
	while (i < end) {
		if (!dq && s[i] == '\'') {
			for (j = i + 1; j < end && s[j] != '\''; j++)
				;
			buf_add(&b, s + i + 1, j - i - 1);
			i = j + 1;
			continue;
		}
		if (s[i] == '"') {
			dq = !dq;
			i++;
			continue;
		}
		if (s[i] == '\\' && i + 1 < end) {
			if (s[i + 1] != '\n')
				buf_addch(&b, s[i + 1]);
			i += 2;
			continue;
		}
		if (s[i] == '`')
			goto computed;
		if (s[i] != '$' || i + 1 >= end) {
			buf_addch(&b, s[i++]);
			continue;
		}
		buf_reset(&name);
		if (s[i + 1] == '{') {
			for (j = i + 2; j < end && (isalnum((unsigned char)s[j]) ||
			    s[j] == '_'); j++)
				;
			if (j >= end || s[j] != '}' || j == i + 2)
				goto computed;
			buf_add(&name, s + i + 2, j - i - 2);
			i = j + 1;
		} else if (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '_') {
			for (j = i + 1; j < end && (isalnum((unsigned char)s[j]) ||
			    s[j] == '_'); j++)
				;
			buf_add(&name, s + i + 1, j - i - 1);
			i = j;
		} else
			goto computed;
		expand_var(f, name.data, before, depth, budget, &b);
	}
	buf_free(&name);
	return buf_detach(&b);
computed:
	buf_free(&name);
	buf_free(&b);
	return NULL;
}

/* A word of the java command, as bash would see it when it runs. */
static char *
java_word(const struct shfile *f, size_t off, size_t end)
{
	int budget = JAVA_EXPAND_BUDGET;

	return expand_word(f, off, end, SIZE_MAX, 0, &budget);
}

/* A command line is its NUL-separated arguments joined by spaces:
 * argv[0] a java binary, then java's options, those in java_opt_with_arg()
 * with their word.  A -D or -X option's value may hold spaces
 * ("-Dx=a b", "-XX:OnOutOfMemoryError=kill %p"; not a word that starts
 * with '-', as in "kill -9 %p"): the words after it that are no
 * option are its own, or Job's JVM would not be found and jobfix would
 * say Job is down. */
#define JAVA_ARGV0_RE "^([^ ]*/)?java"
#define JAVA_OPTS_RE "( (-cp|-classpath|--class-path|-p|--module-path|" \
	"--upgrade-module-path|--add-modules|--limit-modules|--add-reads|" \
	"--add-exports|--add-opens|--patch-module|--source) [^ ]+|" \
	" -[DX][^ ]*( [^- ][^ ]*)*| -[^ ]*)*"

/* The regex for a jar file name or a class: literal characters escaped,
 * wildcards as [^ /]*.  NULL when it names too little, or holds a
 * character that no jar name or class has. */
static char *
java_regex(const char *name, int jar, char **what)
{
	struct buf re = BUF_INIT, w = BUF_INIT;
	size_t n = strlen(name);
	long literal = jar ? -4 : 0; /* ".jar" does not count */
	const char *p;

	if (jar && (n < 4 || strcmp(name + n - 4, ".jar") != 0))
		return NULL;
	/* argv[0] is java; then only java's options (and the words those
	 * taking one have) up to the jar after -jar, or the main class:
	 * the jar's name as a later argument of any program is no match */
	buf_addstr(&re, JAVA_ARGV0_RE JAVA_OPTS_RE);
	buf_addstr(&re, jar ? " -jar ([^ ]*/)?" : " ([^ ]*/)?");
	for (p = name; *p != '\0'; p++) {
		if (*p == JAVA_WILD) {
			buf_addstr(&re, "[^ /]*");
			buf_addch(&w, '*');
			continue;
		}
		if (!isalnum((unsigned char)*p) && strchr("._-+/$", *p) == NULL)
			goto bad;
		if (strchr(".+$", *p) != NULL)
			buf_addch(&re, '\\');
		buf_addch(&re, *p);
		buf_addch(&w, *p);
		literal++;
	}
	if (literal < 3 || (!jar && strchr(name, '.') == NULL))
		goto bad;
	buf_addstr(&re, "( |$)");
	*what = buf_detach(&w);
	return buf_detach(&re);
bad:
	buf_free(&re);
	buf_free(&w);
	return NULL;
}

static int
java_opt_with_arg(const char *w)
{
	static const char *const opts[] = {
		"-cp", "-classpath", "--class-path", "-p", "--module-path",
		"--upgrade-module-path", "--add-modules", "--limit-modules",
		"--add-reads", "--add-exports", "--add-opens", "--patch-module",
		"--source",
	};
	size_t i;

	for (i = 0; i < nitems(opts); i++)
		if (strcmp(w, opts[i]) == 0)
			return 1;
	return 0;
}

/* shvar_java_pattern(), and with wordp the jar's whole word as expanded
 * (a wildcard where bash would compute), when a jar is found */
static char *
java_scan(const struct shfile *f, char **what, int *jar, int *line,
    char **wordp)
{
	/* state: 0 looking for java, 1 its options, 2 next word the jar,
	 * 3 next word the main class (-m), 4 skip the next word */
	struct scan sc;
	struct token t;
	char *w, *base, *re = NULL, *unread = NULL;
	int state = 0, redir = 0, jline = 0, uline = 0, isjar = 0, named = 0;
	size_t i;

	*what = NULL;
	*jar = 0;
	*line = 0;
	if (f == NULL)
		return NULL;
	memset(&sc, 0, sizeof sc);
	sc.s = f->data;
	sc.end = f->len;
	sc.line = 1;
	sc.origin = f->origin;
	sc.quiet = 1;
	while (re == NULL && next_token(&sc, &t) == 0 && t.type != T_EOF) {
		if (t.type == T_REDIR || t.type == T_HEREDOC) {
			redir = 1;
			continue;
		}
		if (t.type == T_COMMENT)
			continue;
		if (t.type != T_WORD) {
			state = 0; /* the end of a command */
			redir = 0;
			continue;
		}
		if (redir) {
			redir = 0;
			continue;
		}
		w = java_word(f, t.off, t.end);
		if (w == NULL && state == 4)
			state = 1;
		if (w == NULL && state != 2 && state != 3)
			continue;
		switch (state) {
		case 0:
			base = strrchr(w, '/');
			base = base ? base + 1 : w;
			if (strcmp(base, "java") == 0 && strchr(w, '=') == NULL) {
				state = 1;
				jline = t.line;
			}
			break;
		case 1:
			if (strcmp(w, "-jar") == 0)
				state = 2;
			else if (strcmp(w, "-m") == 0 || strcmp(w,
			    "--module") == 0)
				state = 3;
			else if (java_opt_with_arg(w))
				state = 4;
			else if (w[0] == '-' || w[0] == '\0' ||
			    strspn(w, "\001") == strlen(w))
				; /* an option, or $JAVA_OPTS */
			else
				named = 1; /* the main class */
			break;
		case 2: /* the jar */
		case 3: /* module/class */
			named = 1;
			break;
		case 4:
			state = 1;
			break;
		}
		if (named) {
			/* the jar's file name; of module/class, the class */
			isjar = state == 2;
			base = w != NULL ? strrchr(w, '/') : NULL;
			if (w != NULL)
				re = java_regex(base != NULL && state != 1 ?
				    base + 1 : w, isjar, what);
			if (re != NULL && isjar && wordp != NULL)
				*wordp = xstrdup(w);
			if (re == NULL && unread == NULL) {
				/* the word as written: said when nothing is
				 * found, so the fallback is not silent */
				unread = xstrndup(f->data + t.off, t.end -
				    t.off);
				uline = jline;
			}
			state = 0;
			named = 0;
		}
		free(w);
	}
	for (i = 0; i < sc.nhd; i++)
		free(sc.hd[i].delim);
	free(sc.hd);
	if (re != NULL) {
		*jar = isjar;
		*line = jline;
		free(unread);
	} else if (unread != NULL) {
		*what = unread;
		*line = uline;
	}
	return re;
}

char *
shvar_java_pattern(const struct shfile *f, char **what, int *jar, int *line)
{
	return java_scan(f, what, jar, line, NULL);
}

char *
shvar_java_jar_dir(const struct shfile *f)
{
	char *what = NULL, *word = NULL, *re, *slash;
	int jar = 0, line = 0;

	re = java_scan(f, &what, &jar, &line, &word);
	free(re);
	free(what);
	if (word == NULL)
		return NULL;
	/* an absolute directory with nothing computed in it */
	slash = strrchr(word, '/');
	if (word[0] != '/' || strchr(word, JAVA_WILD) != NULL ||
	    slash == NULL) {
		free(word);
		return NULL;
	}
	if (slash == word)
		slash[1] = '\0';
	else
		*slash = '\0';
	return word;
}

int
shvar_serialize(const struct shfile *f, struct buf *out)
{
	if (f == NULL)
		return -JF_ERR_USAGE;
	return buf_add(out, f->data, f->len);
}
