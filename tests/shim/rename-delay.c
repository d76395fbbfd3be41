/*
 * rename-delay.c - an LD_PRELOAD shim for tests: holds a rename onto a
 * chosen file name long enough for a test to edit that file, the window a
 * person's edit can fall into between jobfix's check and its rename.
 *
 *   JF_RENAME_DELAY_NAME   the last component of the rename's target
 *   JF_RENAME_DELAY_READY  a file created when a rename is being held
 *   JF_RENAME_DELAY_GO     the rename goes on once this file exists
 *                          (or after 20 s, so a broken test cannot hang)
 *
 * rename, renameat and renameat2 are wrapped (jobfix uses renameat2 where
 * the kernel has it), each holding only the first matching call.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int held;

static void
maybe_hold(const char *newpath)
{
	const char *name = getenv("JF_RENAME_DELAY_NAME");
	const char *ready = getenv("JF_RENAME_DELAY_READY");
	const char *go = getenv("JF_RENAME_DELAY_GO");
	const char *base = strrchr(newpath, '/');
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int fd, i;

	base = base != NULL ? base + 1 : newpath;
	if (held || name == NULL || strcmp(base, name) != 0)
		return;
	held = 1;
	if (ready != NULL && (fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600)) != -1)
		close(fd);
	for (i = 0; i < 1000; i++) {
		if (go != NULL && access(go, F_OK) == 0)
			break;
		nanosleep(&ts, NULL);
	}
}

int
rename(const char *oldpath, const char *newpath)
{
	int (*real)(const char *, const char *) =
	    (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");

	maybe_hold(newpath);
	return real(oldpath, newpath);
}

int
renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	int (*real)(int, const char *, int, const char *) =
	    (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT,
	    "renameat");

	maybe_hold(newpath);
	return real(olddirfd, oldpath, newdirfd, newpath);
}

int
renameat2(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath, unsigned int flags)
{
	int (*real)(int, const char *, int, const char *, unsigned int) =
	    (int (*)(int, const char *, int, const char *, unsigned int))
	    dlsym(RTLD_NEXT, "renameat2");

	maybe_hold(newpath);
	return real(olddirfd, oldpath, newdirfd, newpath, flags);
}
