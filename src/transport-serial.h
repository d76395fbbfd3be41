/*
 * transport-serial.h - a transport that lets one call at a time through to
 * another, for transports that are not thread-safe (one libssh2 session is
 * not) when stage-1 probes call them from their own threads.
 */
#ifndef JOBFIX_TRANSPORT_SERIAL_H
#define JOBFIX_TRANSPORT_SERIAL_H

#include "transport.h"

/* Takes ownership of inner (closed and freed with the wrapper).  Its host
 * name is the inner one's. */
struct transport *transport_serial_new(struct transport *inner);

#endif
