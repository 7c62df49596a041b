#!/usr/bin/env python3
"""Doxygen INPUT_FILTER: lets Doxygen read the Google-style `//` comments of the public headers.

The headers keep plain `//` comments (the project's style). This filter, run on each header as
Doxygen reads it, turns the comment block that opens the file into its @file description, a
comment block in front of a declaration into `///`, and a trailing `// ...` after a member into
`///< ...`. Comment text is escaped so that `<content_id>`, `\\`, `@` or `#` read as text, not
as markup. The line count never changes, so warnings point at the right header line.
"""
import os
import re
import sys

FULL = re.compile(r"^(\s*)//(?!/)\s?(.*)$")
TRAILING = re.compile(r"^(.*?[;,{}])(\s+)//(?!/)\s?(.*)$")


def escape(text):
    for char in "\\@<>&#%$":
        text = text.replace(char, "\\" + char)
    return text


def convert(lines, name):
    out = []
    # The opening block: every `//` line before the first other line.
    opening = 0
    while opening < len(lines) and FULL.match(lines[opening]):
        opening += 1
    texts = []
    for line in lines[:opening]:
        text = FULL.match(line).group(2)
        legal = text.startswith("Copyright") or "SPDX-License-Identifier" in text
        texts.append("" if legal else escape(text))
    lead = 0
    while lead < len(texts) and not texts[lead]:
        out.append("")
        lead += 1
    if lead < len(texts):
        # "@file <name>" takes the (blank) copyright line when there is one.
        if out:
            out[-1] = "/** @file " + name
            out.append(" * " + texts[lead])
        else:
            out.append("/** @file " + name + " " + texts[lead])
        out.extend(" * " + text for text in texts[lead + 1:])
        out[-1] += " */"
    for line in lines[opening:]:
        full = FULL.match(line)
        if full:
            out.append(full.group(1) + "/// " + escape(full.group(2)))
            continue
        trailing = TRAILING.match(line)
        if trailing and trailing.group(1).count('"') % 2 == 0:
            out.append(trailing.group(1) + trailing.group(2) + "///< " + escape(trailing.group(3)))
            continue
        out.append(line)
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write("\n".join(convert(f.read().split("\n"), os.path.basename(sys.argv[1]))))
