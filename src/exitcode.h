/*
 * exitcode.h - jobfix's exit codes, in one place.  Documented in jobfix(8)
 * under EXIT STATUS; they are a stable interface for cron and monitoring.
 */
#ifndef JOBFIX_EXITCODE_H
#define JOBFIX_EXITCODE_H

enum jobfix_exit {
	EXIT_HEALTHY = 0,     /* healthy, or everything found was fixed and verified */
	EXIT_FINDINGS = 1,    /* findings remain: diagnose found faults, a dry run
				 has work to do, advice only, a fix was held,
				 or partly done (playbook groups) */
	EXIT_USAGE = 2,       /* usage or configuration error; nothing changed */
	EXIT_UNDONE = 3,      /* a fix failed and was undone, or failed having
				 changed nothing: the host is as it was */
	EXIT_LOCKED = 4,      /* another jobfix run holds the lock */
	EXIT_FIX_FAILED = 5,  /* a fix failed and could not be fully undone */
	EXIT_UNREACHABLE = 6, /* a host could not be reached or authenticated */
};

#endif
