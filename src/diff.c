/*
 * diff.c - unified diff of two texts in memory.
 *
 * Lines are interned to integers, then aligned with Myers' O(ND) algorithm
 * in its linear-space form (find the middle snake, recurse on both halves),
 * the way GNU diff does, so memory stays O(N+M).  A budget of snake steps
 * bounds the time: a part that costs more is shown as a whole replacement,
 * which is still a correct diff, only not a minimal one.  Output follows
 * `diff -u` byte for byte, then every line is masked for secret-looking
 * assignments and the whole text passes through redact().
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"

#define DIFF_BUDGET ((uint64_t)200000000) /* diagonal steps, ~1 s */

struct line {
	const char *p;
	size_t len; /* without the \n */
	int nl;     /* ends with \n */
	int secret_cont; /* continues a secret value (a line before it ended
			    in a backslash): shown masked whole */
};

struct lines {
	struct line *v;
	size_t n;
};

struct aligner {
	const long *xv;
	const long *yv;
	long *fd;     /* forward furthest x by diagonal (offset) */
	long *bd;     /* backward */
	char *xdel;   /* line of a deleted */
	char *yins;   /* line of b inserted */
	uint64_t budget;
};

static void
split_lines(const char *s, size_t n, struct lines *out)
{
	size_t i = 0, cap = 0;
	const char *nl;

	out->v = NULL;
	out->n = 0;
	while (i < n) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xreallocarray(out->v, cap, sizeof *out->v);
		}
		nl = memchr(s + i, '\n', n - i);
		out->v[out->n].p = s + i;
		if (nl != NULL) {
			out->v[out->n].len = (size_t)(nl - (s + i));
			out->v[out->n].nl = 1;
			i = (size_t)(nl - s) + 1;
		} else {
			out->v[out->n].len = n - i;
			out->v[out->n].nl = 0;
			i = n;
		}
		out->v[out->n].secret_cont = 0;
		out->n++;
	}
}

/* Does the line end in an odd number of backslashes (a continuation)? */
static int
continues(const struct line *l)
{
	size_t e = l->len, k = 0;

	while (e > 0 && (l->p[e - 1] == '\r' || l->p[e - 1] == ' ' ||
	    l->p[e - 1] == '\t'))
		e--;
	while (e > k && l->p[e - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

static char *mask_bytes(const char *, size_t);

/* Marks the lines that continue a secret assignment's value. */
static void
mark_secret_continuations(struct lines *ls)
{
	size_t i;
	int in_secret = 0;
	char *m;

	for (i = 0; i < ls->n; i++) {
		if (in_secret)
			ls->v[i].secret_cont = 1;
		else if ((m = mask_bytes(ls->v[i].p, ls->v[i].len)) != NULL) {
			free_secret(m);
			in_secret = 1;
		}
		in_secret = in_secret && continues(&ls->v[i]);
	}
}

static uint64_t
line_hash(const struct line *l)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < l->len; i++)
		h = (h ^ (unsigned char)l->p[i]) * 1099511628211ULL;
	return (h ^ (uint64_t)l->nl) * 1099511628211ULL;
}

static int
line_eq(const struct line *a, const struct line *b)
{
	return a->len == b->len && a->nl == b->nl &&
	    memcmp(a->p, b->p, a->len) == 0;
}

/* Gives equal lines (text and final newline) equal numbers. */
static void
intern(const struct lines *a, const struct lines *b, long *av, long *bv)
{
	size_t total = a->n + b->n, size = 16, i, h, k;
	const struct line **slot;
	long *id, next = 0;
	const struct line *l;

	while (size < total * 2)
		size *= 2;
	slot = xcalloc(size, sizeof *slot);
	id = xcalloc(size, sizeof *id);
	for (k = 0; k < total; k++) {
		l = k < a->n ? &a->v[k] : &b->v[k - a->n];
		h = (size_t)line_hash(l) & (size - 1);
		for (i = h; slot[i] != NULL && !line_eq(slot[i], l);
		    i = (i + 1) & (size - 1))
			;
		if (slot[i] == NULL) {
			slot[i] = l;
			id[i] = next++;
		}
		if (k < a->n)
			av[k] = id[i];
		else
			bv[k - a->n] = id[i];
	}
	free(slot);
	free(id);
}

/*
 * Finds a point (xmid, ymid) on an optimal path through the box; returns 0,
 * or -1 when the budget is spent.
 */
static int
middle_snake(struct aligner *al, long xoff, long xlim, long yoff, long ylim,
    long *xmid, long *ymid)
{
	const long *xv = al->xv, *yv = al->yv;
	long *fd = al->fd, *bd = al->bd;
	long dmin = xoff - ylim, dmax = xlim - yoff;
	long fmid = xoff - yoff, bmid = xlim - ylim;
	long fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	long d, x, y, tlo, thi;
	int odd = (int)((fmid - bmid) & 1);

	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (;;) {
		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			--fmax;
		for (d = fmax; d >= fmin; d -= 2) {
			tlo = fd[d - 1];
			thi = fd[d + 1];
			x = tlo >= thi ? tlo + 1 : thi;
			y = x - d;
			while (x < xlim && y < ylim && xv[x] == yv[y]) {
				x++;
				y++;
			}
			fd[d] = x;
			if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
				*xmid = x;
				*ymid = y;
				return 0;
			}
		}
		if (bmin > dmin)
			bd[--bmin - 1] = LONG_MAX;
		else
			++bmin;
		if (bmax < dmax)
			bd[++bmax + 1] = LONG_MAX;
		else
			--bmax;
		for (d = bmax; d >= bmin; d -= 2) {
			tlo = bd[d - 1];
			thi = bd[d + 1];
			x = tlo < thi ? tlo : thi - 1;
			y = x - d;
			while (x > xoff && y > yoff && xv[x - 1] == yv[y - 1]) {
				x--;
				y--;
			}
			bd[d] = x;
			if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
				*xmid = x;
				*ymid = y;
				return 0;
			}
		}
		d = (fmax - fmin) + (bmax - bmin) + 2;
		if ((uint64_t)d >= al->budget) {
			al->budget = 0;
			return -1;
		}
		al->budget -= (uint64_t)d;
	}
}

static void
compare(struct aligner *al, long xoff, long xlim, long yoff, long ylim)
{
	long xmid, ymid, i;

	while (xoff < xlim && yoff < ylim && al->xv[xoff] == al->yv[yoff]) {
		xoff++;
		yoff++;
	}
	while (xlim > xoff && ylim > yoff &&
	    al->xv[xlim - 1] == al->yv[ylim - 1]) {
		xlim--;
		ylim--;
	}
	if (xoff == xlim || yoff == ylim || al->budget == 0 ||
	    middle_snake(al, xoff, xlim, yoff, ylim, &xmid, &ymid) != 0) {
		/* nothing in common, or too costly: replace the whole part */
		for (i = xoff; i < xlim; i++)
			al->xdel[i] = 1;
		for (i = yoff; i < ylim; i++)
			al->yins[i] = 1;
		return;
	}
	compare(al, xoff, xmid, yoff, ymid);
	compare(al, xmid, xlim, ymid, ylim);
}

/* The masking of one line given as bytes; returns a new string or NULL. */
static char *
mask_bytes(const char *s, size_t n)
{
	size_t p = 0, ks, ke, q, vs, ve, cq;
	char *key, *out;
	char quote;
	int secret;

	while (p < n && (s[p] == ' ' || s[p] == '\t' || s[p] == '#'))
		p++;
	if (n - p > 7 && memcmp(s + p, "export", 6) == 0 &&
	    (s[p + 6] == ' ' || s[p + 6] == '\t')) {
		p += 6;
		while (p < n && (s[p] == ' ' || s[p] == '\t'))
			p++;
	}
	quote = 0;
	if (p < n && (s[p] == '"' || s[p] == '\'')) /* "key": "value" */
		quote = s[p++];
	ks = p;
	while (p < n && (isalnum((unsigned char)s[p]) ||
	    strchr("_.-", s[p]) != NULL) && s[p] != '\0')
		p++;
	ke = p;
	if (ke == ks)
		return NULL;
	if (quote != 0) {
		if (p >= n || s[p] != quote)
			return NULL;
		p++;
	}
	key = xstrndup(s + ks, ke - ks);
	secret = is_secret_key(key);
	free(key);
	if (!secret)
		return NULL;
	q = p;
	while (q < n && (s[q] == ' ' || s[q] == '\t'))
		q++;
	if (q < n && (s[q] == '=' || s[q] == ':')) {
		q++;
		while (q < n && (s[q] == ' ' || s[q] == '\t'))
			q++;
	} else if (q == p)
		return NULL;
	vs = q;
	ve = n;
	while (ve > vs && (s[ve - 1] == '\r' || s[ve - 1] == ' ' ||
	    s[ve - 1] == '\t'))
		ve--;
	if (vs >= ve)
		return NULL;
	if ((s[vs] == '"' || s[vs] == '\'') && ve - vs >= 2) {
		for (cq = ve - 1; cq > vs && s[cq] != s[vs]; cq--)
			;
		if (cq > vs) {
			vs++;
			ve = cq;
		}
	}
	out = xmalloc(n - (ve - vs) + sizeof SECRET_MASK);
	memcpy(out, s, vs);
	memcpy(out + vs, SECRET_MASK, sizeof SECRET_MASK - 1);
	memcpy(out + vs + sizeof SECRET_MASK - 1, s + ve, n - ve);
	out[n - (ve - vs) + sizeof SECRET_MASK - 1] = '\0';
	return out;
}

char *
mask_secret_assignment(const char *line)
{
	char *m;

	if (line == NULL)
		return NULL;
	if ((m = mask_bytes(line, strlen(line))) != NULL)
		return m;
	return xstrdup(line);
}

static int
put_line(struct buf *b, char prefix, const struct line *l)
{
	char *m;
	int r;

	r = buf_addch(b, prefix);
	if (l->secret_cont) {
		size_t ws = 0;

		while (ws < l->len && (l->p[ws] == ' ' || l->p[ws] == '\t'))
			ws++;
		r |= buf_add(b, l->p, ws);
		r |= buf_addstr(b, SECRET_MASK);
		if (continues(l))
			r |= buf_addch(b, '\\');
	} else if ((m = mask_bytes(l->p, l->len)) != NULL) {
		r |= buf_addstr(b, m);
		free_secret(m);
	} else
		r |= buf_add(b, l->p, l->len);
	r |= buf_addch(b, '\n');
	if (!l->nl)
		r |= buf_addstr(b, "\\ No newline at end of file\n");
	return r;
}

static int
put_range(struct buf *b, size_t start, size_t end)
{
	if (end == start)
		return buf_printf(b, "%zu,0", start);
	if (end - start == 1)
		return buf_printf(b, "%zu", start + 1);
	return buf_printf(b, "%zu,%zu", start + 1, end - start);
}

struct change {
	size_t i0, i1; /* deleted a[i0..i1) */
	size_t j0, j1; /* inserted b[j0..j1) */
};

/* Returns 0, or non-zero when text ran over its cap. */
static int
render(struct buf *b, const struct lines *a, const struct lines *bl,
    const char *xdel, const char *yins, size_t ctx)
{
	struct change *ch = NULL;
	size_t nch = 0, cap = 0, i = 0, j = 0, h, e, k, as, ae, bs, be;
	int r = 0;

	while (i < a->n || j < bl->n) {
		if (i < a->n && j < bl->n && !xdel[i] && !yins[j]) {
			i++;
			j++;
			continue;
		}
		if (nch == cap) {
			cap = cap ? cap * 2 : 16;
			ch = xreallocarray(ch, cap, sizeof *ch);
		}
		ch[nch].i0 = i;
		ch[nch].j0 = j;
		while (i < a->n && xdel[i])
			i++;
		while (j < bl->n && yins[j])
			j++;
		ch[nch].i1 = i;
		ch[nch].j1 = j;
		if (i == ch[nch].i0 && j == ch[nch].j0)
			fatal("diff: unpaired lines at %zu/%zu", i, j);
		nch++;
	}
	for (h = 0; h < nch; h = e + 1) {
		for (e = h; e + 1 < nch && ch[e + 1].i0 - ch[e].i1 <= 2 * ctx;
		    e++)
			;
		as = ch[h].i0 > ctx ? ch[h].i0 - ctx : 0;
		bs = ch[h].j0 - (ch[h].i0 - as);
		ae = ch[e].i1 + ctx < a->n ? ch[e].i1 + ctx : a->n;
		be = ch[e].j1 + (ae - ch[e].i1);
		r |= buf_addstr(b, "@@ -");
		r |= put_range(b, as, ae);
		r |= buf_addstr(b, " +");
		r |= put_range(b, bs, be);
		r |= buf_addstr(b, " @@\n");
		i = as;
		for (k = h; k <= e && r == 0; k++) {
			for (; i < ch[k].i0; i++)
				r |= put_line(b, ' ', &a->v[i]);
			for (; i < ch[k].i1; i++)
				r |= put_line(b, '-', &a->v[i]);
			for (j = ch[k].j0; j < ch[k].j1; j++)
				r |= put_line(b, '+', &bl->v[j]);
		}
		for (; i < ae && r == 0; i++)
			r |= put_line(b, ' ', &a->v[i]);
		if (r != 0)
			break;
	}
	free(ch);
	return r;
}

/* redact() works on strings: feed it the text between NUL bytes. */
static int
add_redacted(struct buf *out, const struct buf *text)
{
	size_t off = 0, n;
	size_t before = out->len;
	char *r;
	int rc = 0;

	while (off <= text->len && rc == 0) {
		n = strlen(text->data + off);
		r = redact(text->data + off);
		rc = buf_addstr(out, r);
		free_secret(r);
		off += n + 1;
		if (rc == 0 && off <= text->len)
			rc = buf_addch(out, '\0');
	}
	if (rc != 0) {
		if (out->data != NULL) {
			wipe(out->data + before, out->len - before);
			out->data[before] = '\0';
		}
		out->len = before;
	}
	return rc;
}

int
diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, int context, struct buf *out)
{
	struct lines la, lb;
	struct aligner al;
	struct buf text = BUF_INIT;
	long *av, *bv;
	size_t diags;
	int r;

	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 0;
	if (context < 0)
		context = 0;
	split_lines(a, alen, &la);
	split_lines(b, blen, &lb);
	mark_secret_continuations(&la);
	mark_secret_continuations(&lb);
	memset(&al, 0, sizeof al);
	al.xdel = xcalloc(la.n + 1, 1);
	al.yins = xcalloc(lb.n + 1, 1);
	if (la.n > DIFF_MAX_LINES || lb.n > DIFF_MAX_LINES) {
		memset(al.xdel, 1, la.n);
		memset(al.yins, 1, lb.n);
	} else {
		av = xcalloc(la.n + 1, sizeof *av);
		bv = xcalloc(lb.n + 1, sizeof *bv);
		intern(&la, &lb, av, bv);
		diags = la.n + lb.n + 3;
		al.xv = av;
		al.yv = bv;
		al.fd = xcalloc(diags, sizeof *al.fd);
		al.bd = xcalloc(diags, sizeof *al.bd);
		/* diagonals run from -(lb.n + 1) to la.n + 1 */
		al.fd += lb.n + 1;
		al.bd += lb.n + 1;
		al.budget = DIFF_BUDGET;
		compare(&al, 0, (long)la.n, 0, (long)lb.n);
		free(al.fd - lb.n - 1);
		free(al.bd - lb.n - 1);
		free(av);
		free(bv);
	}
	buf_init(&text, out->max ? out->max : BUF_DEFAULT_MAX);
	text.secret = 1;
	if (buf_printf(&text, "--- %s\n+++ %s\n", label_a ? label_a : "a",
	    label_b ? label_b : "b") != 0 ||
	    render(&text, &la, &lb, al.xdel, al.yins, (size_t)context) != 0)
		r = -JF_ERR_TOOBIG;
	else
		r = add_redacted(out, &text);
	buf_free(&text);
	free(al.xdel);
	free(al.yins);
	free(la.v);
	free(lb.v);
	return r;
}
