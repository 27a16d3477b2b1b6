#!/usr/bin/env python3
"""Builds a man page from a template and the sources of what it documents,
so a man page never lists an option, an exit code or an error code that
the programs do not have.

usage: gen-man.py TEMPLATE OUTPUT [--help-of PROGRAM [--commands]]
                  [--options-of PROGRAM] [--exit HEADER CODES]
                  [--errors-of PROGRAM] [--markdown FILE] [--set KEY VALUE]...

  @HELP@     PROGRAM --help as a literal block; with --commands, the --help
             of every command and subcommand follows it
  @OPTIONS@  the options PROGRAM --help lists under "Options", one entry each
  @EXIT@     the exit codes CODES (comma-separated) of HEADER, the one
             definition the programs share (liboutcall/core/exitcode.h)
  @ERRORS@   the JSON error codes, from PROGRAM __error-codes
  @MARKDOWN@ FILE (docs/*.md) in troff
  @KEY@      VALUE (paths of this installation)"""
import re
import subprocess
import sys


def args_of(argv):
    opts = {"set": {}}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--commands":
            opts["commands"] = True
            i += 1
        elif a == "--exit":
            opts["exit"] = (argv[i + 1], [int(c) for c in argv[i + 2].split(",")])
            i += 3
        elif a == "--set":
            opts["set"][argv[i + 1]] = argv[i + 2]
            i += 3
        else:
            opts[a.lstrip("-")] = argv[i + 1]
            i += 2
    return opts


def run(args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def esc(text):
    return text.replace("\\", "\\e").replace("-", "\\-")


def line_safe(text):
    """Text lines must not start with a control character."""
    return "\n".join("\\&" + l if l[:1] in (".", "'") else l for l in text.split("\n"))


def commands(text):
    lines = text.splitlines()
    if "Commands:" not in lines:
        return []
    i = lines.index("Commands:") + 1
    names = []
    while i < len(lines) and lines[i].startswith("  "):
        if lines[i][2] != " ":  # not a summary's wrapped line
            names.append(lines[i].split()[0])
        i += 1
    return names


def literal(text):
    return ".nf\n.ft CR\n" + line_safe(text.replace("\\", "\\e")) + "\n.ft\n.fi\n"


def help_section(program, args, depth, walk):
    text = run([program] + args + ["--help"])
    out = ""
    if args:
        out += ".SS " + " ".join(["outcall"] + args) + "\n"
    out += literal(text)
    if walk and depth < 2:
        for c in commands(text):
            if c in ("version", "completion") and not args:
                continue
            out += help_section(program, args + [c], depth + 1, walk)
    return out


def options_of(program):
    """The entries of the "Options" list of PROGRAM --help."""
    lines = run([program, "--help"]).splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("Options"))
    entries = []
    for l in lines[start + 1:]:
        if l.startswith("  --"):
            entries.append(list(re.match(r"  --(\S+) (\S+)\s+(.*)", l).groups()))
        elif l.startswith("   ") and entries:  # the text wrapped on
            entries[-1][2] += " " + l.strip()
        else:
            break
    return "".join(".TP\n.BR %s \": \" \\fI%s\\fR\n%s\n" % (esc(n), esc(a), line_safe(t))
                   for n, a, t in entries)


def exit_codes(header, wanted):
    out = ""
    for m in re.finditer(r"OC_EXIT_\w+ = (\d+),\s*/\*(.*?)\*/", open(header).read(), re.S):
        if int(m.group(1)) in wanted:
            out += ".TP\n.B %s\n%s\n" % (m.group(1), line_safe(" ".join(m.group(2).split())))
    return out


def error_codes(program):
    out = ""
    for l in run([program, "__error-codes"]).splitlines():
        code, status, meaning = l.split("\t")
        http = " (HTTP %s)" % status if status != "0" else ""
        out += ".TP\n.B %s\n%s%s\n" % (esc(code), line_safe(meaning), http)
    return out


def inline(text):
    text = text.replace("\\", "\\e")
    text = re.sub(r"`([^`]*)`", lambda m: "\\fB" + m.group(1).replace("-", "\\-") + "\\fR", text)
    text = re.sub(r"\*\*([^*]*)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?!\w)", r"\\fI\1\\fR", text)
    return line_safe(text)


def markdown(path):
    """The subset of Markdown docs/*.md use: headings, paragraphs, fenced
    code, tables, lists."""
    out, para, in_code, table_row = [], [], False, 0

    def flush():
        if para:
            out.append(inline(" ".join(para)))
            para.clear()

    for l in open(path).read().splitlines():
        if l.startswith("```"):
            flush()
            out.append(".PP\n.nf\n.ft CR" if not in_code else ".ft\n.fi")
            in_code = not in_code
        elif in_code:
            out.append(line_safe(l.replace("\\", "\\e")))
        elif l.startswith("# "):
            continue
        elif l.startswith("## "):
            flush()
            out.append(".SH " + inline(l[3:].upper()))
        elif l.startswith("### "):
            flush()
            out.append(".SS " + inline(l[4:]))
        elif l.startswith("|"):
            flush()
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", l.strip())[1:-1]]
            table_row += 1
            if all(re.fullmatch(r"-*", c) for c in cells) or table_row == 1:
                continue
            cells = [c.replace("\\|", "|") for c in cells]
            out.append(".TP\n" + inline(cells[0]) + "\n" + inline(" \u2014 ".join(
                c for c in cells[1:] if c)))
        elif l.startswith("- "):
            flush()
            out.append(".IP \\(bu 2")
            para.append(l[2:])
        elif not l.strip():
            flush()
            table_row = 0
            out.append(".PP")
        else:
            para.append(l.strip())
    flush()
    return "\n".join(out).replace(".PP\n.PP", ".PP") + "\n"


def main():
    template, output = sys.argv[1:3]
    o = args_of(sys.argv[3:])
    page = open(template).read()
    if "help-of" in o:
        page = page.replace("@HELP@", help_section(o["help-of"], [], 0, o.get("commands")))
    if "options-of" in o:
        page = page.replace("@OPTIONS@", options_of(o["options-of"]))
    if "exit" in o:
        page = page.replace("@EXIT@", exit_codes(*o["exit"]))
    if "errors-of" in o:
        page = page.replace("@ERRORS@", error_codes(o["errors-of"]))
    if "markdown" in o:
        page = page.replace("@MARKDOWN@", markdown(o["markdown"]))
    for k, v in o["set"].items():
        page = page.replace("@%s@" % k, v)
    left = re.findall(r"@[A-Z]+@", page)
    if left:
        sys.exit("gen-man.py: %s: nothing given for %s" % (template, " ".join(left)))
    open(output, "w").write(page)


main()
