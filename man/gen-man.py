#!/usr/bin/env python3
"""Builds a man page from a template and the program's own --help, so the
options a man page lists are always the ones the program accepts.

usage: gen-man.py TEMPLATE OUTPUT PROGRAM [--commands]
  @HELP@ in TEMPLATE becomes the --help text (as a literal block); with
  --commands, the --help of every command and subcommand follows it."""
import subprocess
import sys

template, output, program = sys.argv[1:4]
walk = "--commands" in sys.argv[4:]


def help_of(args):
    out = subprocess.run([program] + args + ["--help"], capture_output=True, text=True)
    return out.stdout


def commands(text):
    lines = text.splitlines()
    if "Commands:" not in lines:
        return []
    i = lines.index("Commands:") + 1
    names = []
    while i < len(lines) and lines[i].startswith("  "):
        names.append(lines[i].split()[0])
        i += 1
    return names


def troff_literal(text):
    body = text.replace("\\", "\\e").replace("\n.", "\n\\&.").replace("\n'", "\n\\&'")
    return ".nf\n.ft CR\n" + body + "\n.ft\n.fi\n"


def section(args, depth):
    text = help_of(args)
    out = ""
    if args:
        out += ".SS " + " ".join(["outcall"] + args) + "\n"
    out += troff_literal(text)
    if walk and depth < 2:
        for c in commands(text):
            if c in ("version", "completion") and not args:
                continue
            out += section(args + [c], depth + 1)
    return out


page = open(template).read().replace("@HELP@", section([], 0))
open(output, "w").write(page)
