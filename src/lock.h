/*
 * lock.h - one jobfix run at a time per host: flock(2) on a file in the
 * state directory.  The kernel drops the lock when the process dies, so a
 * stale lock never blocks.
 */
#ifndef JOBFIX_LOCK_H
#define JOBFIX_LOCK_H

/* Returns a descriptor to keep open, or -JF_ERR_REFUSED when another run
 * holds the lock after waiting wait_seconds (0: do not wait). */
int lock_acquire(const char *state_dir, int wait_seconds, char **cause);
void lock_release(int fd);
/* 1 when this process holds the lock of state_dir (the executor's gate
 * asks before every change).  Thread-safe: fleet workers lock their hosts. */
int lock_held(const char *state_dir);

#endif
