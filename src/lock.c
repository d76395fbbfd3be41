/*
 * lock.c - the run lock (see lock.h).  The holder's pid is written into the
 * file for people; the lock itself is the flock, never the content.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

/* The locks this process holds, for lock_held(). */
struct held_lock {
	int fd;
	char *dir;
};
static pthread_mutex_t held_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct held_lock *held_v;
static size_t held_n;

static void
held_add(int fd, const char *dir)
{
	pthread_mutex_lock(&held_mutex);
	held_v = xreallocarray(held_v, held_n + 1, sizeof *held_v);
	held_v[held_n].fd = fd;
	held_v[held_n++].dir = xstrdup(dir);
	pthread_mutex_unlock(&held_mutex);
}

static void
held_drop(int fd)
{
	size_t i;

	pthread_mutex_lock(&held_mutex);
	for (i = 0; i < held_n; i++)
		if (held_v[i].fd == fd) {
			free(held_v[i].dir);
			held_v[i] = held_v[--held_n];
			break;
		}
	if (held_n == 0) {
		free(held_v);
		held_v = NULL;
	}
	pthread_mutex_unlock(&held_mutex);
}

int
lock_held(const char *state_dir)
{
	size_t i;
	int r = 0;

	if (state_dir == NULL)
		return 0;
	pthread_mutex_lock(&held_mutex);
	for (i = 0; i < held_n && !r; i++)
		r = strcmp(held_v[i].dir, state_dir) == 0;
	pthread_mutex_unlock(&held_mutex);
	return r;
}

int
lock_acquire(const char *state_dir, int wait_seconds, char **cause)
{
	char *path = path_join(state_dir, "lock"), pid[64], held[64];
	int64_t deadline = now_ms() + (int64_t)wait_seconds * 1000;
	struct timespec ts = { 0, 100 * 1000000 };
	struct stat st;
	ssize_t n;
	int fd, r;

	if (mkdir(state_dir, 0700) == -1 && errno != EEXIST) {
		r = set_cause(cause, JF_ERR_IO, "state directory \"%s\": %s",
		    state_dir, strerror(errno));
		free(path);
		return r;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK, 0600)) == -1) {
		r = set_cause(cause, JF_ERR_IO, "lock \"%s\": %s", path,
		    strerror(errno));
		free(path);
		return r;
	}
	/* a FIFO or a device there is no lock of jobfix's */
	if (fstat(fd, &st) == -1) {
		r = set_cause(cause, JF_ERR_IO, "lock \"%s\": %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = set_cause(cause, JF_ERR_IO, "lock \"%s\": %s, not a regular "
		    "file: refusing to use it", path, file_kind(st.st_mode));
		goto fail;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = set_cause(cause, JF_ERR_IO, "lock \"%s\": %s", path,
			    strerror(errno));
			goto fail;
		}
		if (now_ms() >= deadline) {
			n = pread(fd, held, sizeof held - 1, 0);
			held[n > 0 ? n : 0] = '\0';
			r = set_cause(cause, JF_ERR_REFUSED, "another jobfix run "
			    "holds \"%s\"%s%s", path, n > 0 ? ": pid " : "",
			    str_trim(held));
			goto fail;
		}
		nanosleep(&ts, NULL);
	}
	snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* the pid is for people; the flock is the lock */
	}
	held_add(fd, state_dir);
	free(path);
	return fd;
fail:
	close(fd);
	free(path);
	return r;
}

void
lock_release(int fd)
{
	if (fd >= 0) {
		held_drop(fd);
		if (ftruncate(fd, 0) != 0) {
			/* nothing to do: the lock goes with the descriptor */
		}
		close(fd);
	}
}
