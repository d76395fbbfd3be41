/*
 * rule.h - the match language: conditions over facts.
 *
 *   expr  := or
 *   or    := and { "||" and }
 *   and   := unary { "&&" unary }
 *   unary := "!" unary | "(" expr ")" | cmp
 *   cmp   := FACT [ OP operand ]
 *   OP    := "==" | "!=" | "~" | "!~" | "<" | "<=" | ">" | ">="
 *   operand := 'text' | "text" | NUMBER | FACT
 *
 * A bare FACT is true when the fact exists and is not "", "0", "no", "false"
 * or "off".  A comparison with a fact that does not exist is false (so
 * "!x == 'a'" is true when x is missing).  "~" is a POSIX extended regular
 * expression search.  "<" and friends compare numbers; a value that is not a
 * number makes them false.  A FACT operand is another fact's value.
 */
#ifndef JOBFIX_RULE_H
#define JOBFIX_RULE_H

#include "facts.h"

struct rule;

/* Parses text; on error *cause says where ("column 12: expected ..."). */
struct rule *rule_parse(const char *text, char **cause);
void rule_free(struct rule *);
/* Evaluates; the names of the facts it read are appended to used (if not
 * NULL), so a finding can show its evidence. */
int rule_eval(const struct rule *, const struct facts *, struct buf *used);
const char *rule_text(const struct rule *);

#endif
