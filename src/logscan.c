/*
 * logscan.c - incremental multi-signature scanning of Job's logs.
 *
 * Why it is built this way:
 *
 * - Speed.  A first scan reads a whole job.log (often gigabytes), so every
 *   byte must cost very little.  Each signature text gets an "anchor": the
 *   three of its bytes least likely in a Java log (upper case, '_', rare
 *   letters).  The anchors are spread over eight buckets; a SIMD filter
 *   ("Teddy", after Hyperscan's) looks up the low and high nibble of each
 *   byte in 16-entry tables with PSHUFB, 16 positions at a time, and ANDs
 *   the bucket bits of three consecutive bytes.  Only positions whose three
 *   bytes could begin an anchor are verified with memcmp (32 positions at
 *   a time with AVX2, where the CPU has it).  A scalar filter
 *   with a 64 KiB byte-pair table does the same where SSSE3 is missing.
 * - Lines, not occurrences.  A hit makes the scanner take the whole line:
 *   it collects every signature of that line, records the line, and goes on
 *   after its end.  Line numbers come from counting newlines lazily, with
 *   SSE2 where there is SSE2, only up to the lines that matter.
 * - Incremental.  The state file remembers the inode, a hash of the first
 *   bytes, the offset after the last complete line, and per signature the
 *   cumulative count and the last line.  A partial last line is left for
 *   the next run; a rotated (other inode or other first bytes) or truncated
 *   file is read again from 0, and the result says so.
 * - The state is local and written atomically (temp file in the same
 *   directory, fsync, rename, fsync of the directory); a state file that is
 *   unreadable or garbage is a warning and a fresh start, never a failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LOGSCAN_TEDDY 1
#include <immintrin.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "log.h"
#include "logscan.h"
#include "i18n.h"

#define TEXTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Every signature, FAULTS.md sections 1-9.  Texts are case-sensitive. */
static const struct logscan_sig sigs[] = {
	{ "partition", "MySQL log-table partitions exhausted (FAQ 4)",
	    TEXTS("Table has no partition for value"), 0 },
	{ "redis_not_string", "GSE pipeline or agent not reporting (FAQ 5)",
	    TEXTS("redis reply is not string"), 0 },
	{ "result_log_always", "task killed for lack of execution log (FAQ 5)",
	    TEXTS("Execution result log always"), 0 },
	{ "script_timeout", "script ran past its timeout (FAQ 6)",
	    TEXTS("Script log timed out"), LOGSCAN_SIG_CONTEXT },
	{ "amqp_access_refused", "RabbitMQ login refused (FAQ 2)",
	    TEXTS("ACCESS_REFUSED"), 0 },
	{ "amqp_not_allowed", "RabbitMQ vhost access refused (FAQ 2)",
	    TEXTS("NOT_ALLOWED"), 0 },
	{ "redis_oom", "Redis out of memory (FAQ 1)",
	    TEXTS("OOM command not allowed"), 0 },
	{ "ssl", "TLS or certificate problem (FAQ 1, 7, 8)",
	    TEXTS("SSLHandshakeException", "SSLException", "certificate",
	    "CertificateException"), 0 },
	{ "code_1210001", "GSE TaskServer unavailable",
	    TEXTS("1210001"), LOGSCAN_SIG_DIGITS },
	{ "code_1210101", "license service unavailable",
	    TEXTS("1210101"), LOGSCAN_SIG_DIGITS },
	{ "code_1250001", "Redis unavailable",
	    TEXTS("1250001"), LOGSCAN_SIG_DIGITS },
	{ "code_1250002", "Redis out of memory",
	    TEXTS("1250002"), LOGSCAN_SIG_DIGITS },
	{ "code_1259001", "NFS storage unavailable",
	    TEXTS("1259001"), LOGSCAN_SIG_DIGITS },
	{ "code_1252001", "database error",
	    TEXTS("1252001"), LOGSCAN_SIG_DIGITS },
	{ "code_1255001", "RabbitMQ unavailable",
	    TEXTS("1255001"), LOGSCAN_SIG_DIGITS },
	{ "code_1211001", "CMDB unreachable",
	    TEXTS("1211001"), LOGSCAN_SIG_DIGITS },
	{ "code_1211002", "CMDB answers a malformed structure",
	    TEXTS("1211002"), LOGSCAN_SIG_DIGITS },
	{ "code_1211121", "Git module of the BlueKing business has no IP",
	    TEXTS("1211121"), LOGSCAN_SIG_DIGITS },
	{ "code_1213001", "PaaS unreachable",
	    TEXTS("1213001"), LOGSCAN_SIG_DIGITS },
	{ "code_1213002", "PaaS answers a malformed structure",
	    TEXTS("1213002"), LOGSCAN_SIG_DIGITS },
};
#define NSIGS nitems(sigs)
_Static_assert(NSIGS <= 64, "signature sets are 64-bit masks");

const struct logscan_sig *
logscan_sigs(size_t *n)
{
	*n = NSIGS;
	return sigs;
}

int
logscan_sig_index(const char *id)
{
	size_t i;

	for (i = 0; i < NSIGS; i++)
		if (strcmp(sigs[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* --- the matcher ----------------------------------------------------------- */

#define MAXPATS 64
#define NBUCKETS 8

struct pat {
	const unsigned char *s;
	size_t len;
	size_t anchor;    /* offset of the 3 anchor bytes in s */
	int sig;
	int flags;
	int bucket;
};

struct matcher {
	struct pat pats[MAXPATS];
	size_t npats;
	int bucket_pats[NBUCKETS][MAXPATS]; /* pattern indices, -1 ends */
	uint8_t nib_lo[3][16];  /* bucket bits by low nibble of byte k */
	uint8_t nib_hi[3][16];  /* ... and by its high nibble */
	uint8_t pair[65536];    /* scalar filter: buckets by bytes 0 and 1 */
	uint8_t third[256];     /* ... and by byte 2 */
	int teddy;              /* 2: AVX2, 1: SSSE3, 0: neither */
};

static struct matcher M;
static pthread_once_t matcher_once = PTHREAD_ONCE_INIT;

/* How common a byte is in a Java log, roughly: anchors minimise the sum. */
static int
byte_weight(unsigned char c)
{
	static const char order[] = "etaoinshrdlcumwfgypbvkjxqz";
	const char *p;

	if (c >= 'a' && c <= 'z') {
		p = strchr(order, c);
		return 30 - (int)(p - order);
	}
	if (c == ' ')
		return 40;
	if (c >= '0' && c <= '9')
		return 25;
	if (strchr("EINORSTA", c) != NULL && c != '\0')
		return 8;     /* INFO, ERROR, WARN, class names */
	if (c >= 'A' && c <= 'Z')
		return 5;
	if (strchr(".:-/[],()=", c) != NULL && c != '\0')
		return 20;
	return 3;
}

static void
matcher_init(void)
{
	struct matcher *m = &M;
	struct { int score; uint8_t a[3]; int bucket; } groups[MAXPATS];
	size_t i, j, k, ngroups = 0, np;
	int best, w, g, order[MAXPATS], t, nb[NBUCKETS];
	const char *const *tx;

	memset(m, 0, sizeof *m);
	for (i = 0; i < NSIGS; i++) {
		for (tx = sigs[i].texts; *tx != NULL; tx++) {
			struct pat *p;

			if (m->npats == MAXPATS || strlen(*tx) < 3)
				fatal("signature \"%s\": too many or too short",
				    sigs[i].id);
			p = &m->pats[m->npats++];
			p->s = (const unsigned char *)*tx;
			p->len = strlen(*tx);
			p->sig = (int)i;
			p->flags = sigs[i].flags;
			best = INT_MAX;
			for (k = 0; k + 3 <= p->len; k++) {
				w = byte_weight(p->s[k]) +
				    byte_weight(p->s[k + 1]) +
				    byte_weight(p->s[k + 2]);
				if (w < best) {
					best = w;
					p->anchor = k;
				}
			}
			/* one group per distinct anchor */
			for (j = 0; j < ngroups; j++)
				if (memcmp(groups[j].a, p->s + p->anchor, 3) == 0)
					break;
			if (j == ngroups) {
				memcpy(groups[j].a, p->s + p->anchor, 3);
				groups[j].score = best;
				ngroups++;
			}
			p->bucket = (int)j; /* group for now */
		}
	}
	/*
	 * Groups to buckets: anchors sharing their first two bytes share a
	 * bucket (the error codes: "121", "125"); past eight buckets the
	 * rarest anchors are put together, where a mixed false positive
	 * costs least.
	 */
	for (i = 0; i < ngroups; i++)
		order[i] = (int)i;
	for (i = 1; i < ngroups; i++)  /* rarest (lowest score) first */
		for (j = i; j > 0 && groups[order[j]].score <
		    groups[order[j - 1]].score; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	np = 0;
	for (i = 0; i < ngroups; i++) {
		g = order[i];
		groups[g].bucket = -1;
		for (j = 0; j < i; j++)
			if (memcmp(groups[order[j]].a, groups[g].a, 2) == 0)
				groups[g].bucket = groups[order[j]].bucket;
		if (groups[g].bucket == -1)
			groups[g].bucket = (int)np++;
	}
	/* np distinct buckets: fold the first (rarest) ones together */
	if (np > NBUCKETS)
		for (i = 0; i < ngroups; i++) {
			if (groups[i].bucket <= (int)(np - NBUCKETS))
				groups[i].bucket = 0;
			else
				groups[i].bucket -= (int)(np - NBUCKETS);
		}
	memset(nb, 0, sizeof nb);
	for (i = 0; i < m->npats; i++) {
		struct pat *p = &m->pats[i];
		const unsigned char *a;
		int b = groups[p->bucket].bucket;

		p->bucket = b;
		m->bucket_pats[b][nb[b]++] = (int)i;
		a = p->s + p->anchor;
		for (k = 0; k < 3; k++) {
			m->nib_lo[k][a[k] & 0xf] |= (uint8_t)(1u << b);
			m->nib_hi[k][a[k] >> 4] |= (uint8_t)(1u << b);
		}
		m->pair[a[0] | a[1] << 8] |= (uint8_t)(1u << b);
		m->third[a[2]] |= (uint8_t)(1u << b);
	}
	for (i = 0; i < NBUCKETS; i++)
		m->bucket_pats[i][nb[i]] = -1;
#ifdef LOGSCAN_TEDDY
	__builtin_cpu_init();
	/* for tests: LOGSCAN_NO_SIMD=avx2 leaves SSSE3, any other value the
	 * scalar path */
	const char *no = getenv("LOGSCAN_NO_SIMD");

	if (no == NULL || strcmp(no, "avx2") == 0)
		m->teddy = no == NULL && __builtin_cpu_supports("avx2") ? 2 :
		    __builtin_cpu_supports("ssse3") ? 1 : 0;
#endif
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The signatures matching with their anchor at b[p], within [lo, hi).
 * lo and hi are line (or piece) boundaries: a digit signature at them is
 * bounded.
 */
static uint64_t
verify(const unsigned char *b, size_t lo, size_t p, size_t hi, unsigned bits)
{
	const struct pat *pt;
	uint64_t mask = 0;
	size_t s;
	const int *ip;
	int bk;

	for (bk = 0; bits != 0; bk++, bits >>= 1) {
		if ((bits & 1) == 0)
			continue;
		for (ip = M.bucket_pats[bk]; *ip != -1; ip++) {
			pt = &M.pats[*ip];
			if (p < lo + pt->anchor)
				continue;
			s = p - pt->anchor;
			if (pt->len > hi - s ||
			    memcmp(b + s, pt->s, pt->len) != 0)
				continue;
			if ((pt->flags & LOGSCAN_SIG_DIGITS) &&
			    ((s > lo && is_digit(b[s - 1])) ||
			    (s + pt->len < hi && is_digit(b[s + pt->len]))))
				continue;
			mask |= (uint64_t)1 << pt->sig;
		}
	}
	return mask;
}

static size_t
find_scalar(const unsigned char *b, size_t lo, size_t from, size_t hi,
    uint64_t *mask)
{
	size_t p;
	unsigned bits;
	uint64_t mk;

	for (p = from; p + 3 <= hi; p++) {
		bits = M.pair[b[p] | b[p + 1] << 8];
		if (bits == 0 || (bits &= M.third[b[p + 2]]) == 0)
			continue;
		if ((mk = verify(b, lo, p, hi, bits)) != 0) {
			*mask = mk;
			return p;
		}
	}
	return hi;
}

#ifdef LOGSCAN_TEDDY
__attribute__((target("ssse3")))
static size_t
find_teddy(const unsigned char *b, size_t lo, size_t from, size_t hi,
    uint64_t *mask)
{
	const __m128i nib = _mm_set1_epi8(0x0f), zero = _mm_setzero_si128();
	const __m128i l0 = _mm_loadu_si128((const __m128i *)M.nib_lo[0]);
	const __m128i h0 = _mm_loadu_si128((const __m128i *)M.nib_hi[0]);
	const __m128i l1 = _mm_loadu_si128((const __m128i *)M.nib_lo[1]);
	const __m128i h1 = _mm_loadu_si128((const __m128i *)M.nib_hi[1]);
	const __m128i l2 = _mm_loadu_si128((const __m128i *)M.nib_lo[2]);
	const __m128i h2 = _mm_loadu_si128((const __m128i *)M.nib_hi[2]);
	__m128i v0, v1, v2, r;
	uint8_t bytes[16];
	unsigned nz;
	uint64_t mk;
	size_t i = from;
	int j;

	while (i + 18 <= hi) {
		v0 = _mm_loadu_si128((const __m128i *)(b + i));
		v1 = _mm_loadu_si128((const __m128i *)(b + i + 1));
		v2 = _mm_loadu_si128((const __m128i *)(b + i + 2));
		r = _mm_and_si128(
		    _mm_shuffle_epi8(l0, _mm_and_si128(v0, nib)),
		    _mm_shuffle_epi8(h0,
		    _mm_and_si128(_mm_srli_epi16(v0, 4), nib)));
		r = _mm_and_si128(r, _mm_shuffle_epi8(l1,
		    _mm_and_si128(v1, nib)));
		r = _mm_and_si128(r, _mm_shuffle_epi8(h1,
		    _mm_and_si128(_mm_srli_epi16(v1, 4), nib)));
		r = _mm_and_si128(r, _mm_shuffle_epi8(l2,
		    _mm_and_si128(v2, nib)));
		r = _mm_and_si128(r, _mm_shuffle_epi8(h2,
		    _mm_and_si128(_mm_srli_epi16(v2, 4), nib)));
		nz = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(r, zero)) &
		    0xffffu;
		if (nz != 0) {
			_mm_storeu_si128((__m128i *)bytes, r);
			do {
				j = __builtin_ctz(nz);
				nz &= nz - 1;
				mk = verify(b, lo, i + (size_t)j, hi, bytes[j]);
				if (mk != 0) {
					*mask = mk;
					return i + (size_t)j;
				}
			} while (nz != 0);
		}
		i += 16;
	}
	return find_scalar(b, lo, i, hi, mask);
}
/* The same with 32 positions a round, where there is AVX2 (PSHUFB works
 * per 128-bit lane: the tables are in both lanes). */
__attribute__((target("avx2")))
static size_t
find_teddy_avx2(const unsigned char *b, size_t lo, size_t from, size_t hi,
    uint64_t *mask)
{
#define LOAD_TABLE(t) _mm256_broadcastsi128_si256( \
	_mm_loadu_si128((const __m128i *)(t)))
	const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	const __m256i l0 = LOAD_TABLE(M.nib_lo[0]), h0 = LOAD_TABLE(M.nib_hi[0]);
	const __m256i l1 = LOAD_TABLE(M.nib_lo[1]), h1 = LOAD_TABLE(M.nib_hi[1]);
	const __m256i l2 = LOAD_TABLE(M.nib_lo[2]), h2 = LOAD_TABLE(M.nib_hi[2]);
#undef LOAD_TABLE
	__m256i v0, v1, v2, r;
	uint8_t bytes[32];
	uint32_t nz;
	uint64_t mk;
	size_t i = from;
	int j;

	while (i + 34 <= hi) {
		v0 = _mm256_loadu_si256((const __m256i *)(b + i));
		v1 = _mm256_loadu_si256((const __m256i *)(b + i + 1));
		v2 = _mm256_loadu_si256((const __m256i *)(b + i + 2));
		r = _mm256_and_si256(
		    _mm256_shuffle_epi8(l0, _mm256_and_si256(v0, nib)),
		    _mm256_shuffle_epi8(h0,
		    _mm256_and_si256(_mm256_srli_epi16(v0, 4), nib)));
		r = _mm256_and_si256(r, _mm256_shuffle_epi8(l1,
		    _mm256_and_si256(v1, nib)));
		r = _mm256_and_si256(r, _mm256_shuffle_epi8(h1,
		    _mm256_and_si256(_mm256_srli_epi16(v1, 4), nib)));
		r = _mm256_and_si256(r, _mm256_shuffle_epi8(l2,
		    _mm256_and_si256(v2, nib)));
		r = _mm256_and_si256(r, _mm256_shuffle_epi8(h2,
		    _mm256_and_si256(_mm256_srli_epi16(v2, 4), nib)));
		nz = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, zero));
		if (nz != 0) {
			_mm256_storeu_si256((__m256i *)bytes, r);
			do {
				j = __builtin_ctz(nz);
				nz &= nz - 1;
				mk = verify(b, lo, i + (size_t)j, hi, bytes[j]);
				if (mk != 0) {
					*mask = mk;
					return i + (size_t)j;
				}
			} while (nz != 0);
		}
		i += 32;
	}
	return find_teddy(b, lo, i, hi, mask);
}
#endif

/* The first position >= from where some signature's anchor matches, with
 * the signatures in *mask; hi if none. */
static size_t
find_next(const unsigned char *b, size_t lo, size_t from, size_t hi,
    uint64_t *mask)
{
#ifdef LOGSCAN_TEDDY
	if (M.teddy == 2)
		return find_teddy_avx2(b, lo, from, hi, mask);
	if (M.teddy == 1)
		return find_teddy(b, lo, from, hi, mask);
#endif
	return find_scalar(b, lo, from, hi, mask);
}

static uint64_t
count_nl(const unsigned char *p, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
	__m128i acc, sum;
	int k;

	while (i + 16 <= n) {
		acc = _mm_setzero_si128();
		/* byte counters: at most 255 rounds before they are summed */
		for (k = 0; k < 255 && i + 16 <= n; k++, i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(nl,
			    _mm_loadu_si128((const __m128i *)(p + i))));
		sum = _mm_sad_epu8(acc, _mm_setzero_si128());
		c += (uint64_t)_mm_cvtsi128_si64(sum) +
		    (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* --- scanning memory --------------------------------------------------------- */

/* Where the last line of each signature is, within the current region. */
struct region_last {
	size_t start, end;  /* the line; end excludes '\n' */
	uint64_t line;
	int set;
};

static char *
line_text(const unsigned char *b, size_t start, size_t end, size_t region_end,
    int context)
{
	size_t e = context ? region_end : end, i, n;
	char *s;

	if (e - start > LOGSCAN_LINE_MAX)
		e = start + LOGSCAN_LINE_MAX;
	if (!context)
		while (e > start && b[e - 1] == '\r')
			e--;
	n = e - start;
	s = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = b[start + i];
		/* no NUL in a C string; keep newlines of the context */
		s[i] = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ?
		    ' ' : (char)c;
	}
	s[n] = '\0';
	return s;
}

/*
 * Scans the lines of b[0..len): every line ends with '\n' but perhaps the
 * last one (a piece of an overlong line, or the end of a test buffer).
 * Updates hits; returns the number of '\n' in b.
 */
static uint64_t
scan_region(const unsigned char *b, size_t len, uint64_t base,
    uint64_t first_line, struct logscan_hit *hits, int64_t now)
{
	struct region_last last[NSIGS];
	size_t pos = 0, p, p2, ls, le, counted = 0;
	uint64_t lines = 0, mask, m2;
	const unsigned char *q;
	size_t i;

	pthread_once(&matcher_once, matcher_init);
	memset(last, 0, sizeof last);
	while (pos < len) {
		if ((p = find_next(b, pos, pos, len, &mask)) >= len)
			break;
		q = p > pos ? memrchr(b + pos, '\n', p - pos) : NULL;
		ls = q != NULL ? (size_t)(q - b) + 1 : pos;
		q = memchr(b + p, '\n', len - p);
		le = q != NULL ? (size_t)(q - b) : len;
		/* every other signature of this line */
		for (p2 = p + 1; p2 < le; p2++) {
			if ((p2 = find_next(b, ls, p2, le, &m2)) >= le)
				break;
			mask |= m2;
		}
		lines += count_nl(b + counted, ls - counted);
		counted = ls;
		for (i = 0; i < NSIGS; i++) {
			if ((mask & ((uint64_t)1 << i)) == 0)
				continue;
			hits[i].count++;
			hits[i].new_count++;
			last[i].start = ls;
			last[i].end = le;
			last[i].line = first_line + lines;
			last[i].set = 1;
		}
		pos = le + 1;
	}
	lines += count_nl(b + counted, len - counted);
	for (i = 0; i < NSIGS; i++) {
		if (!last[i].set)
			continue;
		free(hits[i].last);
		hits[i].last = line_text(b, last[i].start, last[i].end, len,
		    sigs[i].flags & LOGSCAN_SIG_CONTEXT);
		hits[i].last_line = last[i].line;
		hits[i].last_offset = base + last[i].start;
		hits[i].last_seen = now;
	}
	return lines;
}

uint64_t
logscan_buffer(const char *data, size_t len, uint64_t base,
    uint64_t first_line, struct logscan_hit *hits, int64_t now)
{
	return scan_region((const unsigned char *)data, len, base, first_line,
	    hits, now);
}

/* --- the state file ---------------------------------------------------------- */

#define STATE_MAGIC "jobfix-logscan 1"
#define STATE_MAX ((size_t)1 << 20)
#define HEAD_MAX 1024

static uint64_t
fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
hits_alloc(struct logscan_result *r)
{
	r->nhits = NSIGS;
	r->hits = xcalloc(NSIGS, sizeof *r->hits);
}

void
logscan_result_free(struct logscan_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nhits; i++)
		free(r->hits[i].last);
	free(r->hits);
	r->hits = NULL;
	r->nhits = 0;
}

char *
logscan_state_format(const struct logscan_result *r)
{
	struct buf b = BUF_INIT;
	const struct logscan_hit *h;
	const unsigned char *c;
	size_t i;

	buf_init(&b, STATE_MAX);
	buf_printf(&b, "%s\nino %llu\noffset %llu\nlines %llu\nhead %llu %llu\n",
	    STATE_MAGIC, (unsigned long long)r->ino,
	    (unsigned long long)r->offset, (unsigned long long)r->lines,
	    (unsigned long long)r->head_len, (unsigned long long)r->head_hash);
	for (i = 0; i < r->nhits && i < NSIGS; i++) {
		h = &r->hits[i];
		buf_printf(&b, "sig %s %llu", sigs[i].id,
		    (unsigned long long)h->count);
		if (h->last != NULL) {
			buf_printf(&b, " %llu %llu %lld ",
			    (unsigned long long)h->last_line,
			    (unsigned long long)h->last_offset,
			    (long long)h->last_seen);
			for (c = (const unsigned char *)h->last; *c != '\0'; c++) {
				if (*c == '\\')
					buf_addstr(&b, "\\\\");
				else if (*c == '\n')
					buf_addstr(&b, "\\n");
				else if (*c < 0x20 || *c == 0x7f)
					buf_printf(&b, "\\x%02x", *c);
				else
					buf_addch(&b, (char)*c);
			}
		}
		buf_addch(&b, '\n');
	}
	return buf_detach(&b);
}

/* A decimal number ending at a space or the end; advances *pp. */
static int
parse_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || !is_digit((unsigned char)*p))
		return -1;
	for (; p < end && is_digit((unsigned char)*p); p++) {
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 &&
		    (uint64_t)(*p - '0') > UINT64_MAX % 10))
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p != ' ')
		return -1;
	if (p < end)
		p++;
	*pp = p;
	*out = v;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
parse_sig_line(const char *p, const char *end, struct logscan_result *r)
{
	const char *id = p;
	struct logscan_hit h;
	struct buf t = BUF_INIT;
	uint64_t v;
	int idx, hi, lo;
	char *name;

	memset(&h, 0, sizeof h);
	while (p < end && *p != ' ')
		p++;
	if (p == id || p == end)
		return -1;
	name = xstrndup(id, (size_t)(p - id));
	idx = logscan_sig_index(name);
	free(name);
	p++;
	if (parse_u64(&p, end, &h.count) != 0)
		return -1;
	if (p < end) {
		if (p[-1] != ' ' || parse_u64(&p, end, &h.last_line) != 0 ||
		    parse_u64(&p, end, &h.last_offset) != 0 ||
		    parse_u64(&p, end, &v) != 0 || v > INT64_MAX || p >= end)
			return -1;
		h.last_seen = (int64_t)v;
		buf_init(&t, LOGSCAN_LINE_MAX * 4 + 16);
		for (; p < end; p++) {
			char c = *p;
			if (c == '\\') {
				if (++p >= end)
					goto bad;
				if (*p == '\\')
					c = '\\';
				else if (*p == 'n')
					c = '\n';
				else if (*p == 'x' && end - p >= 3 &&
				    (hi = hexval(p[1])) >= 0 &&
				    (lo = hexval(p[2])) >= 0 && (hi | lo) != 0) {
					c = (char)(hi << 4 | lo);
					p += 2;
				} else
					goto bad;
			} else if ((unsigned char)c < 0x20 || c == 0x7f)
				goto bad;
			if (buf_addch(&t, c) != 0)
				goto bad;
		}
		h.last = buf_detach(&t);
	}
	if (idx < 0) {          /* a signature no longer in the table */
		free(h.last);
		return 0;
	}
	free(r->hits[idx].last);
	r->hits[idx] = h;
	return 0;
bad:
	buf_free(&t);
	return -1;
}

int
logscan_state_parse(const char *text, size_t len, const char *name,
    struct logscan_result *out, char **cause)
{
	const char *p = text, *end = text + len, *nl, *v;
	int lineno = 0, r;

	memset(out, 0, sizeof *out);
	hits_alloc(out);
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			r = set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: no newline at the end", name, lineno);
			goto fail;
		}
		r = 0;
		if (lineno == 1) {
			if ((size_t)(nl - p) != strlen(STATE_MAGIC) ||
			    memcmp(p, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
				r = -1;
		} else if (nl - p > 4 && memcmp(p, "sig ", 4) == 0) {
			r = parse_sig_line(p + 4, nl, out);
		} else if (nl - p > 4 && memcmp(p, "ino ", 4) == 0) {
			v = p + 4;
			r = parse_u64(&v, nl, &out->ino);
		} else if (nl - p > 7 && memcmp(p, "offset ", 7) == 0) {
			v = p + 7;
			r = parse_u64(&v, nl, &out->offset);
		} else if (nl - p > 6 && memcmp(p, "lines ", 6) == 0) {
			v = p + 6;
			r = parse_u64(&v, nl, &out->lines);
		} else if (nl - p > 5 && memcmp(p, "head ", 5) == 0) {
			v = p + 5;
			r = parse_u64(&v, nl, &out->head_len);
			if (r == 0 && (v >= nl || v[-1] != ' ' ||
			    out->head_len > HEAD_MAX))
				r = -1;
			if (r == 0)
				r = parse_u64(&v, nl, &out->head_hash);
		} else
			r = -1;
		if (r == 0 && (v = memchr(p, '\0', (size_t)(nl - p))) != NULL)
			r = -1;
		if (r != 0) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", name,
			    lineno, lineno == 1 ? "not a logscan state file" :
			    "bad line");
			goto fail;
		}
		p = nl + 1;
	}
	if (lineno == 0) {
		r = set_cause(cause, JF_ERR_PARSE, "%s: empty", name);
		goto fail;
	}
	return 0;
fail:
	logscan_result_free(out);
	return r;
}

/* Temp file in the same directory, fsync, rename, fsync the directory. */
static int
write_state(const char *path, const char *data, size_t len, char **cause)
{
	char *tmp = xasprintf("%s.XXXXXX", path), *dir, *slash;
	size_t off = 0;
	ssize_t n;
	int fd, dfd, r = 0;

	if ((fd = mkstemp(tmp)) == -1) {
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", tmp,
		    strerror(errno));
		free(tmp);
		return r;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", tmp,
			    strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", tmp,
		    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", path,
		    strerror(errno));
		goto fail;
	}
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
	free(tmp);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return r;
}

/* Loads the state; anything wrong with it is a warning and a fresh start.
 * Returns 1 when a state was loaded. */
static int
load_state(const char *state_file, struct logscan_result *st)
{
	struct buf b = BUF_INIT;
	char *cause = NULL;
	int r;

	buf_init(&b, STATE_MAX);
	r = read_file_local_nofollow(state_file, &b, STATE_MAX, &cause);
	if (r == 0)
		r = logscan_state_parse(b.data, b.len, state_file, st, &cause);
	else if (r == -JF_ERR_NOTFOUND) {
		free(cause);
		cause = NULL;
	}
	if (r != 0) {
		memset(st, 0, sizeof *st);
		hits_alloc(st);
		if (cause != NULL) {
			warnx(_("%s; scanning the log from the start"), cause);
			st->state_reset = 1;
		}
	}
	free(cause);
	buf_free(&b);
	return r == 0;
}

/* --- scanning a file ---------------------------------------------------------- */

int
logscan_run(struct transport *t, const char *path, const char *state_file,
    const struct logscan_opts *opts, struct logscan_result *out, char **cause)
{
	struct logscan_result st;
	struct tstat ts;
	struct buf b = BUF_INIT;
	size_t chunk = opts != NULL && opts->chunk > 0 ? opts->chunk :
	    LOGSCAN_CHUNK_DEFAULT;
	int64_t deadline = opts != NULL ? opts->deadline : 0;
	int64_t now = (int64_t)time(NULL);
	uint64_t off, buf_off, want, n;
	const unsigned char *q;
	size_t region, before;
	char *text, *before_text = NULL;
	int r;

	memset(out, 0, sizeof *out);
	if (load_state(state_file, &st))
		before_text = logscan_state_format(&st);
	if ((r = t->ops->stat(t, path, &ts, cause)) != 0)
		goto fail;
	if (!ts.exists) {
		*out = st;
		out->exists = 0;
		return 0;
	}
	if (!S_ISREG(ts.mode)) {
		r = set_cause(cause, JF_ERR_USAGE, "\"%s\" on %s: not a regular "
		    "file", path, t->host);
		goto fail;
	}
	st.exists = 1;
	st.size = ts.size;
	st.mtime_ns = ts.mtime_ns;
	if (st.ino != 0 && st.ino != ts.ino) {
		st.rotated = st.offset > 0 || st.head_len > 0;
		st.offset = st.lines = st.head_len = 0;
	} else if ((uint64_t)ts.size < st.offset) {
		st.truncated = 1;
		st.offset = st.lines = st.head_len = 0;
	} else if (st.head_len > 0) {
		/* the same inode, but rewritten (copy and truncate, then
		 * grown past the offset)? */
		buf_init(&b, HEAD_MAX + 1);
		if ((r = t->ops->read_range(t, path, 0, st.head_len, &b,
		    cause)) != 0)
			goto fail;
		if (b.len != st.head_len || fnv1a(b.data, b.len) !=
		    st.head_hash) {
			st.rotated = 1;
			st.offset = st.lines = st.head_len = 0;
		}
		buf_free(&b);
	}
	st.ino = ts.ino;

	/* read from st.offset to the size seen now */
	buf_init(&b, chunk + LOGSCAN_LONG_LINE + 1);
	off = buf_off = st.offset;
	while (off < (uint64_t)ts.size) {
		if (deadline != 0 && now_ms() >= deadline) {
			st.incomplete = 1;
			break;
		}
		want = (uint64_t)ts.size - off;
		if (want > chunk)
			want = chunk;
		before = b.len;
		if ((r = t->ops->read_range(t, path, off, (size_t)want, &b,
		    cause)) != 0)
			goto fail;
		n = b.len - before;
		if (n == 0)
			break;          /* shrank while we read */
		if (off == 0 && st.head_len == 0) {
			st.head_len = n < HEAD_MAX ? n : HEAD_MAX;
			st.head_hash = fnv1a(b.data, (size_t)st.head_len);
		}
		off += n;
		st.bytes_read += n;
		q = memrchr(b.data + before, '\n', (size_t)n);
		if (q != NULL)
			region = (size_t)(q - (const unsigned char *)b.data) + 1;
		else if (b.len >= LOGSCAN_LONG_LINE)
			region = LOGSCAN_LONG_LINE;  /* cut an overlong line */
		else
			continue;       /* the line goes on in the next piece */
		st.lines += scan_region((const unsigned char *)b.data, region,
		    buf_off, st.lines + 1, st.hits, now);
		buf_off += region;
		memmove(b.data, b.data + region, b.len - region);
		b.len -= region;
		b.data[b.len] = '\0';
	}
	/* a piece of an overlong line left over at the end waits, like any
	 * partial line, for its end */
	st.offset = buf_off;
	buf_free(&b);

	/* nothing changed (nothing new in the log): no write, no fsync */
	text = logscan_state_format(&st);
	if ((opts == NULL || !opts->readonly) && (before_text == NULL ||
	    strcmp(text, before_text) != 0))
		r = write_state(state_file, text, strlen(text), cause);
	free(text);
	if (r != 0)
		goto fail;
	free(before_text);
	*out = st;
	return 0;
fail:
	free(before_text);
	buf_free(&b);
	logscan_result_free(&st);
	return r;
}

/* --- script timeouts ------------------------------------------------------------ */

static int
timeout_number(const char *text, const char *re, const char *what,
    double *out, char **cause)
{
	regex_t rx;
	regmatch_t m[10];
	char errbuf[128], *num;
	size_t g;
	int r;

	if ((r = regcomp(&rx, re, REG_EXTENDED)) != 0) {
		regerror(r, &rx, errbuf, sizeof errbuf);
		return set_cause(cause, JF_ERR_PARSE, "%s regex \"%s\": %s",
		    what, re, errbuf);
	}
	if (rx.re_nsub < 1) {
		regfree(&rx);
		return set_cause(cause, JF_ERR_PARSE, "%s regex \"%s\": no "
		    "capture group for the number", what, re);
	}
	if (regexec(&rx, text, nitems(m), m, 0) != 0) {
		regfree(&rx);
		return set_cause(cause, JF_ERR_NOTFOUND, "no %s in \"%.80s\"",
		    what, text);
	}
	for (g = rx.re_nsub < nitems(m) - 1 ? rx.re_nsub : nitems(m) - 1;
	    g > 0 && m[g].rm_so == -1; g--)
		;
	regfree(&rx);
	if (g == 0)
		return set_cause(cause, JF_ERR_NOTFOUND, "no %s in \"%.80s\"",
		    what, text);
	num = xstrndup(text + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
	*out = strtod(num, NULL);
	free(num);
	if (strncmp(text + m[g].rm_eo, "ms", 2) == 0)
		*out /= 1000;
	return 0;
}

int
logscan_timeout_class(const char *text, const char *limit_re,
    const char *elapsed_re, const char **cls, double *limit, double *elapsed,
    char **cause)
{
	int r;

	if ((r = timeout_number(text, limit_re != NULL ? limit_re :
	    LOGSCAN_TIMEOUT_LIMIT_RE, "timeout", limit, cause)) != 0)
		return r;
	if ((r = timeout_number(text, elapsed_re != NULL ? elapsed_re :
	    LOGSCAN_TIMEOUT_ELAPSED_RE, "elapsed time", elapsed, cause)) != 0)
		return r;
	if (!(*limit > 0))
		return set_cause(cause, JF_ERR_NOTFOUND, "a timeout of %g s in "
		    "\"%.80s\"", *limit, text);
	/* in hundredths, so that 1000 s and 1200 s are exactly 120 % */
	if (*elapsed * 100 <= *limit * 110)
		*cls = "script";
	else if (*elapsed * 100 >= *limit * 120)
		*cls = "agent";
	else
		*cls = "unclear";
	return 0;
}
