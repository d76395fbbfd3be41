/*
 * tlsutil.h - OpenSSL for the probes: certificates and keys read through
 * the transport (so a remote host's files are checked as they are there),
 * and a TLS handshake on a connected socket with a deadline.
 */
#ifndef JOBFIX_TLSUTIL_H
#define JOBFIX_TLSUTIL_H

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "transport.h"

/* Every certificate of a PEM file (at least one), in file order. */
int tls_read_certs(struct transport *, const char *path,
    STACK_OF(X509) **out, char **cause);
/* The private key of a PEM file (unencrypted). */
int tls_read_key(struct transport *, const char *path, EVP_PKEY **out,
    char **cause);
/* The same from memory (tests, fuzzing); name is for messages. */
int tls_parse_certs(const char *data, size_t len, const char *name,
    STACK_OF(X509) **out, char **cause);

/* OpenSSL's error queue of this thread as one line ("reason; reason"),
 * emptied; "" when it is empty.  Caller frees. */
char *tls_errors(void);

/* notAfter of a certificate, as seconds since the epoch (clamped). */
int64_t tls_not_after(const X509 *);
/* "CN=..., O=..." of the subject or issuer; caller frees. */
char *tls_name(const X509_NAME *);

struct tls_client {
	const char *ca_file;    /* verify the server against it; NULL: no check */
	const char *cert_file;  /* client certificate, NULL: none */
	const char *key_file;
};

/*
 * TLS handshake as a client on fd (connected; left open for the caller to
 * close), reading the PEM files through tp.  Under TLS 1.3 a server
 * refuses a client certificate only after the handshake, so a short read
 * follows it (at most 300 ms of what is left) to catch that alert.
 * Returns 0, or -JF_ERR_REFUSED with OpenSSL's reason in *why, or another
 * negative code when the files could not be read (*why says which).
 */
int tls_handshake(struct transport *tp, int fd, const struct tls_client *,
    int timeout_ms, char **why);

#endif
