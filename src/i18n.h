/*
 * i18n.h - messages in the user's language (GNU gettext, po/).
 *
 * _("...") marks a message a person reads and translates it where it is
 * used; N_("...") marks one kept in a table and translated where it is
 * shown.  What programs read is never translated: --json, the audit log,
 * fact names, fault IDs, exit codes.  So a message that goes into a report's
 * data (and from there into the JSON) stays English, and the text renderer
 * translates it; a --json run prints its data as made.
 */
#ifndef JOBFIX_I18N_H
#define JOBFIX_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#define ngettext(one, many, n) ((n) == 1 ? (one) : (many))
#endif
#define N_(s) (s)

/* LC_MESSAGES (and LANGUAGE) choose the language; the catalogues are in
 * $(localedir), JOBFIX_LOCALEDIR, or the build tree for ./jobfix. */
void i18n_init(void);
/* 1 when messages are translated (a catalogue answers): output that
 * quotes Chinese sources beside English ones shows them. */
int i18n_translated(void);

#endif
