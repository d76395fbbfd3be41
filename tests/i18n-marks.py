#!/usr/bin/env python3
"""i18n-marks.py SRCDIR: every message a person reads is marked.

A call that prints or logs (printf, fprintf, fputs, error, warnx, info,
usage_error, report_note, ask) must pass its words through _(), N_() or
ngettext(), so that xgettext finds them and po/zh_CN.po can translate them.
A format without words ("%s\\n", "  %-10s"), the program's name alone, and
JSON text are exempt.  Prints FILE:LINE: the string, for each one missing;
exits 1 if there is any.
"""
import glob
import os
import re
import sys

LIT = r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*'
CALL = re.compile(r'(?<![\w."])(?:(?:error|warnx|info|usage_error|printf|'
                  r'ask|fputs)\(|report_note\(\s*\w+\s*,|'
                  r'fprintf\(\s*[\w>\-.]+\s*,)\s*(' + LIT + ')')


def has_words(lit):
    body = re.sub(r'%[-+ #0-9.*]*(?:hh|h|ll|l|z|j)?[a-zA-Z]', '', lit)
    body = re.sub(r'\\[ntr"\\]', ' ', body)
    body = re.sub(r'\bjobfix\b', '', body)
    return re.search(r'[A-Za-z]{2,}', body) is not None


def jsonish(lit):
    return ('{\\"' in lit or lit.startswith('",\\"') or
            lit.startswith('"]') or lit.startswith('"}') or
            (',\\"' in lit and '\\":' in lit))


def main():
    src = sys.argv[1]
    bad = 0
    for path in sorted(glob.glob(os.path.join(src, '*.c'))):
        text = open(path, encoding='utf-8').read()
        # comments are not calls
        text = re.sub(r'/\*.*?\*/', lambda m: re.sub(r'[^\n]', ' ', m.group(0)),
                      text, flags=re.S)
        for m in CALL.finditer(text):
            lit = m.group(1)
            if not has_words(lit) or jsonish(lit):
                continue
            line = text.count('\n', 0, m.start(1)) + 1
            print('%s:%d: not marked for translation: %s' %
                  (os.path.relpath(path, os.path.dirname(src)), line,
                   ' '.join(lit.split())[:100]))
            bad += 1
    sys.exit(1 if bad else 0)


main()
