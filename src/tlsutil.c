/*
 * tlsutil.c - certificates, keys and a client handshake with OpenSSL (see
 * tlsutil.h).
 *
 * Files are read through the transport into memory and parsed from there,
 * never opened by OpenSSL itself: the same code then checks a remote
 * host's certificate directory over SSH.  Private keys are read into a
 * secret buffer (wiped when freed).  The handshake runs on a non-blocking
 * socket driven by poll() so it honours the probe's deadline.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsutil.h"

#define PEM_MAX ((size_t)1 << 20)
#define TLS13_ALERT_WAIT_MS 300

char *
tls_errors(void)
{
	struct buf b = BUF_INIT;
	unsigned long e;
	const char *reason;
	char text[256];

	buf_addstr(&b, "");
	while ((e = ERR_get_error()) != 0) {
		reason = ERR_reason_error_string(e);
		if (reason == NULL) {
			ERR_error_string_n(e, text, sizeof text);
			reason = text;
		}
		if (b.len > 0 && strstr(b.data, reason) != NULL)
			continue;
		if (b.len > 0)
			buf_addstr(&b, "; ");
		buf_addstr(&b, reason);
	}
	return buf_detach(&b);
}

int
tls_parse_certs(const char *data, size_t len, const char *name,
    STACK_OF(X509) **out, char **cause)
{
	STACK_OF(X509) *sk;
	X509 *x;
	BIO *bio;
	char *why;
	int r;

	*out = NULL;
	if (len > (size_t)INT32_MAX)
		return set_cause(cause, JF_ERR_TOOBIG, "\"%s\": too big", name);
	ERR_clear_error();
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		fatal("BIO_new_mem_buf failed");
	sk = sk_X509_new_null();
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	BIO_free(bio);
	if (sk_X509_num(sk) == 0) {
		why = tls_errors();
		sk_X509_free(sk);
		r = set_cause(cause, JF_ERR_PARSE, "\"%s\": no PEM "
		    "certificate%s%s", name, *why ? ": " : "", why);
		free(why);
		return r;
	}
	ERR_clear_error(); /* the end of the file reads as an error */
	*out = sk;
	return 0;
}

int
tls_read_certs(struct transport *tp, const char *path, STACK_OF(X509) **out,
    char **cause)
{
	struct buf b = BUF_INIT;
	int r;

	*out = NULL;
	if ((r = tp_read(tp, path, &b, PEM_MAX, cause)) == 0)
		r = tls_parse_certs(b.data ? b.data : "", b.len, path, out,
		    cause);
	buf_free(&b);
	return r;
}

int
tls_read_key(struct transport *tp, const char *path, EVP_PKEY **out,
    char **cause)
{
	struct buf b = BUF_INIT;
	BIO *bio;
	char *why;
	int r;

	*out = NULL;
	b.secret = 1;
	if ((r = tp_read(tp, path, &b, PEM_MAX, cause)) != 0) {
		buf_free(&b);
		return r;
	}
	ERR_clear_error();
	if ((bio = BIO_new_mem_buf(b.data ? b.data : "", (int)b.len)) == NULL)
		fatal("BIO_new_mem_buf failed");
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	buf_free(&b);
	if (*out == NULL) {
		why = tls_errors();
		r = set_cause(cause, JF_ERR_PARSE, "\"%s\": no unencrypted PEM "
		    "private key%s%s", path, *why ? ": " : "", why);
		free(why);
		return r;
	}
	return 0;
}

int64_t
tls_not_after(const X509 *x)
{
	const ASN1_TIME *t = X509_get0_notAfter(x);
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

char *
tls_name(const X509_NAME *n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *s;
	long len;

	if (bio == NULL)
		fatal("BIO_new failed");
	X509_NAME_print_ex(bio, n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(bio, &data);
	s = xstrndup(data ? data : "", len > 0 ? (size_t)len : 0);
	BIO_free(bio);
	return s;
}

/* Waits until fd is ready for what SSL asked; 0, or -1 at the deadline. */
static int
wait_ssl(SSL *ssl, int err, int fd, int64_t deadline)
{
	struct pollfd pfd;
	int left;

	(void)ssl;
	for (;;) {
		left = (int)(deadline - now_ms());
		if (left <= 0)
			return -1;
		pfd.fd = fd;
		pfd.events = err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents != 0)
			return 0;
	}
}

static int
load_client(struct transport *tp, SSL_CTX *ctx, const struct tls_client *cl,
    char **why)
{
	STACK_OF(X509) *certs = NULL;
	X509_STORE *store;
	EVP_PKEY *key = NULL;
	char *cause = NULL;
	int i, r = 0;

	if (cl->ca_file != NULL && *cl->ca_file != '\0') {
		if ((r = tls_read_certs(tp, cl->ca_file, &certs, &cause)) != 0)
			goto out;
		store = SSL_CTX_get_cert_store(ctx);
		for (i = 0; i < sk_X509_num(certs); i++)
			X509_STORE_add_cert(store, sk_X509_value(certs, i));
		sk_X509_pop_free(certs, X509_free);
		certs = NULL;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	if (cl->cert_file != NULL && *cl->cert_file != '\0') {
		if ((r = tls_read_certs(tp, cl->cert_file, &certs, &cause)) != 0)
			goto out;
		if ((r = tls_read_key(tp, cl->key_file ? cl->key_file : "",
		    &key, &cause)) != 0)
			goto out;
		if (SSL_CTX_use_certificate(ctx, sk_X509_value(certs, 0)) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			char *e = tls_errors();
			r = set_cause(&cause, JF_ERR_PARSE, "client certificate "
			    "\"%s\" and key \"%s\": %s", cl->cert_file,
			    cl->key_file, e);
			free(e);
			goto out;
		}
		for (i = 1; i < sk_X509_num(certs); i++) {
			X509 *x = sk_X509_value(certs, i);
			X509_up_ref(x);
			SSL_CTX_add_extra_chain_cert(ctx, x);
		}
	}
out:
	sk_X509_pop_free(certs, X509_free);
	EVP_PKEY_free(key);
	if (r != 0)
		*why = cause;
	else
		free(cause);
	return r;
}

int
tls_handshake(struct transport *tp, int fd, const struct tls_client *cl,
    int timeout_ms, char **why)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1), until;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	char *e, byte;
	long vr;
	int r = 0, ret, err, flags;

	*why = NULL;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatal("SSL_CTX_new failed");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if ((r = load_client(tp, ctx, cl, why)) != 0)
		goto out;
	if ((ssl = SSL_new(ctx)) == NULL)
		fatal("SSL_new failed");
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	SSL_set_fd(ssl, fd);
	for (;;) {
		ret = SSL_connect(ssl);
		if (ret == 1)
			break;
		err = SSL_get_error(ssl, ret);
		if ((err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) &&
		    wait_ssl(ssl, err, fd, deadline) == 0)
			continue;
		goto failed;
	}
	/* TLS 1.3: the server's verdict on our certificate comes now */
	if (SSL_version(ssl) >= TLS1_3_VERSION) {
		until = now_ms() + TLS13_ALERT_WAIT_MS;
		if (until > deadline)
			until = deadline;
		for (;;) {
			ret = SSL_read(ssl, &byte, 1);
			if (ret > 0)
				break; /* the server talks: it accepted us */
			err = SSL_get_error(ssl, ret);
			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
				if (wait_ssl(ssl, err, fd, until) == 0)
					continue;
				break; /* quiet: accepted */
			}
			if (err == SSL_ERROR_ZERO_RETURN ||
			    (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
				*why = xstrdup("the server closed the connection "
				    "right after the handshake (our client "
				    "certificate refused?)");
				r = -JF_ERR_REFUSED;
				goto out;
			}
			goto failed;
		}
	}
	fcntl(fd, F_SETFL, flags);
	goto out;

failed:
	e = tls_errors();
	vr = SSL_get_verify_result(ssl);
	if (vr != X509_V_OK)
		*why = xasprintf("%s%s(server certificate: %s)", e, *e ? " " : "",
		    X509_verify_cert_error_string(vr));
	else if (*e != '\0')
		*why = xstrdup(e);
	else if (now_ms() >= deadline) {
		*why = xstrdup("no TLS answer within the deadline");
		free(e);
		r = -JF_ERR_TIMEOUT;
		goto out;
	} else
		*why = xasprintf("the handshake failed (%s)", errno ?
		    strerror(errno) : "connection closed");
	free(e);
	r = -JF_ERR_REFUSED;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return r;
}
