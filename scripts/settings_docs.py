#!/usr/bin/env python3
"""The docs' settings tables come from the declarations (CONTRIBUTING.md,
"Adding a setting"): each block in docs/*.md between

  <!-- BEGIN generated: invr settings NAME -->
  <!-- END generated: invr settings NAME -->

is the output of `invr settings NAME`. This script rewrites the blocks, or
with --check reports each stale one. Either way every table `invr settings`
lists must have a block somewhere in docs/.

  scripts/settings_docs.py --invr build/bin/invr [ROOT]          rewrite stale blocks
  scripts/settings_docs.py --invr build/bin/invr --check [ROOT]  exit 1 on a stale block
  scripts/settings_docs.py --self-test                           the check fails on a planted stale block
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile

BLOCK = re.compile(r"^<!-- BEGIN generated: invr settings (\S+) -->\n(.*?)"
                   r"^<!-- END generated: invr settings (\S+) -->$", re.M | re.S)
BEGIN = re.compile(r"^<!-- BEGIN generated: invr settings ", re.M)


def invr_output(invr, *args):
    result = subprocess.run([invr, "settings", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{invr} settings {' '.join(args)}: exit {result.returncode}: "
                           f"{result.stderr.strip()}")
    return result.stdout


def run(invr, root, check):
    """Returns (problems, blocks up to date, blocks rewritten)."""
    names = [line.split()[0] for line in invr_output(invr).splitlines() if line.strip()]
    tables, problems, covered = {}, [], set()
    fresh = rewritten = 0
    for path in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        rel = os.path.relpath(path, root)
        text = open(path, encoding="utf-8").read()
        if len(BEGIN.findall(text)) != len(BLOCK.findall(text)):
            problems.append(f"{rel}: a BEGIN marker without its END marker")
            continue

        def replace(match):
            nonlocal fresh, rewritten
            name, body, end = match.group(1), match.group(2), match.group(3)
            line = text.count("\n", 0, match.start()) + 1
            if end != name:
                problems.append(f"{rel}:{line}: block {name} ends with the END marker of {end}")
                return match.group(0)
            if name not in names:
                problems.append(f"{rel}:{line}: no table '{name}' (invr settings lists {', '.join(names)})")
                return match.group(0)
            covered.add(name)
            want = tables.setdefault(name, invr_output(invr, name))
            if body == want:
                fresh += 1
                return match.group(0)
            if check:
                diff = difflib.unified_diff(body.splitlines(), want.splitlines(), "docs", "invr settings",
                                            lineterm="")
                problems.append(f"{rel}:{line}: stale block: invr settings {name}\n" + "\n".join(diff))
                return match.group(0)
            rewritten += 1
            return block(name, want)[:-1]

        new = BLOCK.sub(replace, text)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"rewrote {rel}")
    for name in names:
        if name not in covered:
            problems.append(f"table '{name}' has no block in docs/*.md "
                            f"(add <!-- BEGIN generated: invr settings {name} --> ... END)")
    return problems, fresh, rewritten


FAKE_INVR = '''#!/usr/bin/env python3
import sys
tables = {"alpha": "| name |\\n| `a` |\\n", "beta": "| name |\\n| `b` |\\n"}
if sys.argv[1:2] != ["settings"]:
    sys.exit(2)
if len(sys.argv) == 2:
    print("alpha  the first\\nbeta   the second")
elif sys.argv[2] in tables:
    sys.stdout.write(tables[sys.argv[2]])
else:
    sys.exit(2)
'''


def block(name, body):
    return (f"<!-- BEGIN generated: invr settings {name} -->\n{body}"
            f"<!-- END generated: invr settings {name} -->\n")


def self_test():
    """A fake `invr settings` and a scratch docs/: a stale block, a missing one."""
    with tempfile.TemporaryDirectory() as root:
        invr = os.path.join(root, "invr")
        with open(invr, "w") as f:
            f.write(FAKE_INVR)
        os.chmod(invr, 0o755)
        os.makedirs(os.path.join(root, "docs"))
        doc = os.path.join(root, "docs", "page.md")

        def write(text):
            with open(doc, "w") as f:
                f.write(text)

        write("# Page\n\n" + block("alpha", "| name |\n| `a` |\n") + "\ntext\n" + block("beta", "| name |\n| `b` |\n"))
        clean, fresh, _ = run(invr, root, check=True)
        write("# Page\n\n" + block("alpha", "| name |\n| `old` |\n") + "\ntext\n")
        stale, _, _ = run(invr, root, check=True)
        fixed_problems, _, rewritten = run(invr, root, check=False)
        fixed = open(doc).read()
    ok = (clean == [] and fresh == 2 and len(stale) == 2
          and any("stale block: invr settings alpha" in p and "`old`" in p for p in stale)
          and any("'beta' has no block" in p for p in stale)
          and rewritten == 1 and "| `a` |" in fixed and "`old`" not in fixed and "\ntext\n" in fixed
          and len(fixed_problems) == 1)
    print("self-test", "passed" if ok else f"FAILED: clean={clean} stale={stale} fixed={fixed_problems}")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invr", help="the built invr binary (build/bin/invr)")
    parser.add_argument("--check", action="store_true", help="report stale blocks, change nothing")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("root", nargs="?", default=os.path.join(os.path.dirname(__file__), ".."))
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.invr:
        parser.error("--invr PATH is required")
    problems, fresh, rewritten = run(args.invr, args.root, args.check)
    for p in problems:
        print(p)
    if args.check:
        print(f"{fresh} block(s) up to date, {len(problems)} problem(s)")
    else:
        print(f"{fresh} block(s) up to date, {rewritten} rewritten, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
