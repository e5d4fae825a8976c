#!/usr/bin/env python3
"""Sizes a reader can hold (CONTRIBUTING.md): no file over 600 lines and no
function over 100 lines in src/, apps/ and include/.

A function is found where a line at namespace or class level (indented at
most 4 spaces) ends with "{", holds a ")" and is not a control statement; it
runs to the matching "}". Lambdas count as part of their function.

  scripts/check_sizes.py [ROOT]      exit 1 and one line per violation
  scripts/check_sizes.py --self-test  the check fails on planted violations
"""
import os
import re
import sys
import tempfile

MAX_FILE, MAX_FUNCTION = 600, 100
CONTROL = re.compile(r"(if|for|while|switch|else|do|catch|try)\b")
# Braces inside character and string literals ('{', "]},") are not blocks.
LITERAL = re.compile(r"'(?:\\.|[^'\\])'|\"(?:\\.|[^\"\\])*\"")


def functions(lines):
    """(first line, length, signature) of each function."""
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        indent = len(lines[i]) - len(lines[i].lstrip())
        if (indent <= 4 and text.endswith("{") and ")" in text and not CONTROL.match(text)
                and not text.startswith(("}", "[", "return", "auto ", "const auto"))
                and "=" not in text.split("(")[0]):
            depth = 0
            for j in range(i, len(lines)):
                code = LITERAL.sub("", lines[j])
                depth += code.count("{") - code.count("}")
                if depth <= 0:
                    break
            yield i + 1, j - i + 1, text[:60]
            i = j + 1
            continue
        i += 1


def check(root):
    problems = []
    for top in ("src", "apps", "include"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                lines = open(path, errors="replace").read().split("\n")
                rel = os.path.relpath(path, root)
                if len(lines) - 1 > MAX_FILE:
                    problems.append(f"{rel}: {len(lines) - 1} lines (at most {MAX_FILE})")
                for line, length, signature in functions(lines):
                    if length > MAX_FUNCTION:
                        problems.append(f"{rel}:{line}: a function of {length} lines (at most "
                                        f"{MAX_FUNCTION}): {signature}")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "src", "x"))
        ok_body = "int f(int a) {\n" + "  a += 1;\n" * 90 + "  return a;\n}\n"
        # Braces in literals do not open blocks: h() ends at its own "}".
        ok_body += "bool h(char c) {\n  return c == '{' || c == '\\'' || std::string(\"{\\\"{\").size();\n}\n"
        ok_body += "int k(int a) {\n" + "  a += 1;\n" * 97 + "  return a;\n}\n"
        open(os.path.join(root, "src", "x", "ok.cc"), "w").write(ok_body)
        clean = check(root)
        long_body = "int g(int a) {\n" + "  if (a) {\n    a += 1;\n  }\n" * 40 + "  return a;\n}\n"
        open(os.path.join(root, "src", "x", "long.cc"), "w").write(long_body)
        open(os.path.join(root, "src", "x", "big.h"), "w").write("// x\n" * 700)
        dirty = check(root)
    ok = clean == [] and len(dirty) == 2 and any("long.cc:1:" in p for p in dirty) \
        and any("big.h" in p for p in dirty)
    print("self-test", "passed" if ok else f"FAILED: clean={clean} dirty={dirty}")
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(root)
    for p in problems:
        print(p)
    print(f"{len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
