/*
 * i18n.c - binds the message catalogue (see i18n.h).
 *
 * Only LC_MESSAGES follows the environment, and only for jobfix's own
 * messages.  LC_CTYPE stays "C" so that
 * regular expressions, character classes and case rules behave alike in
 * every locale (a rule over a log line must find the same faults under
 * zh_CN as under C); the locale's character set is read once and the
 * catalogue is converted to it.
 */
#include "config.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"

void
i18n_init(void)
{
#ifdef ENABLE_NLS
	const char *dir = getenv("JOBFIX_LOCALEDIR");
	char self[PATH_MAX], codeset[64] = "";
	ssize_t n;

	if (setlocale(LC_CTYPE, "") != NULL) {
		snprintf(codeset, sizeof codeset, "%s", nl_langinfo(CODESET));
		setlocale(LC_CTYPE, "C");
	}
	setlocale(LC_MESSAGES, "");
	if (dir == NULL || *dir == '\0') {
		dir = JOBFIX_LOCALEDIR;
		/* ./jobfix in its build tree (the demo before make install):
		 * the catalogues built beside it */
		n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n > 0) {
			self[n] = '\0';
			if (strcmp(self, JOBFIX_BUILDDIR "/jobfix") == 0)
				dir = JOBFIX_BUILDDIR "/locale";
		}
	}
	bindtextdomain(PACKAGE, dir);
	/* The C library's own messages (strerror) stay English: they end up
	 * in causes that the audit log and the state files record, and those
	 * are the same in every language. */
	bindtextdomain("libc", "/nonexistent/jobfix-keeps-libc-english");
	if (*codeset != '\0')
		bind_textdomain_codeset(PACKAGE, codeset);
	textdomain(PACKAGE);
#endif
}

int
i18n_translated(void)
{
	/* TRANSLATORS: not shown; any translation of it says that messages
	 * are translated.  Translate it as the name of your language. */
	static const char *const probe = N_("English");

	return strcmp(_(probe), probe) != 0;
}
