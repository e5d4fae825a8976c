#!/usr/bin/env python3
"""The stage-order check (CONTRIBUTING.md, "Stages"): no stage includes a
header of a stage above it.

The order is the one src/CMakeLists.txt adds the stage folders in. A public
header's stage is the umbrella header include/invr/stage/<stage>.h that lists
it (each public header in exactly one); a private header's stage is its first
path component under src/ ("simulation/sim_internal.h" is simulation's).
Checked: every file under src/<stage>/ and every public header (apps and
tests sit above every stage and are not checked), and that README.md's layout
table lists each stage's public headers as its umbrella does.

  scripts/check_layers.py [ROOT]     exit 1 and one line per violation
  scripts/check_layers.py --self-test  the check fails on a planted violation
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def stage_order(root):
    text = open(os.path.join(root, "src", "CMakeLists.txt")).read()
    return re.findall(r"^\s*add_subdirectory\((\w+)\)", text, re.M)


def includes(path):
    with open(path, errors="replace") as f:
        return INCLUDE.findall(f.read())


def public_stages(root, order, problems):
    """Public header name ("invr/x.h") -> stage, from the umbrella headers."""
    owner = {}
    umbrella_dir = os.path.join(root, "include", "invr", "stage")
    for stage in order:
        umbrella = os.path.join(umbrella_dir, stage + ".h")
        if not os.path.exists(umbrella):
            problems.append(f"include/invr/stage/{stage}.h: missing (every stage has an umbrella header)")
            continue
        for name in includes(umbrella):
            if name in owner:
                problems.append(f"{name}: listed by include/invr/stage/{owner[name]}.h and {stage}.h")
            owner[name] = stage
    for name in sorted(os.listdir(os.path.join(root, "include", "invr"))):
        if name.endswith(".h") and f"invr/{name}" not in owner:
            problems.append(f"include/invr/{name}: in no include/invr/stage/<stage>.h umbrella")
    return owner


def stage_of(name, owner, order):
    if name.startswith("invr/stage/"):
        return name[len("invr/stage/"):-2]
    if name in owner:
        return owner[name]
    first = name.split("/")[0]
    return first if first in order else None


def check_readme(root, owner, problems):
    """README's layout table lists each stage's public headers, as its umbrella does."""
    readme = os.path.join(root, "README.md")
    if not os.path.exists(readme):
        return
    listed = {}
    for line in open(readme):
        m = re.match(r"\|[^|]*\|\s*`src/(\w+)`\s*\|(.*)\|\s*$", line)
        if m:
            listed[m.group(1)] = set(re.findall(r"`([\w.]+\.h)`", m.group(2)))
    for stage in set(owner.values()):
        want = {n[len("invr/"):] for n, s in owner.items() if s == stage}
        if listed.get(stage) != want:
            problems.append(f"README.md layout table, src/{stage}: lists {sorted(listed.get(stage, []))}, "
                            f"the umbrella has {sorted(want)}")


def check(root):
    problems = []
    order = stage_order(root)
    rank = {s: i for i, s in enumerate(order)}
    owner = public_stages(root, order, problems)
    check_readme(root, owner, problems)
    files = []  # (path relative to root, stage of the file)
    for stage in order:
        for dirpath, _, names in os.walk(os.path.join(root, "src", stage)):
            files += [(os.path.join(dirpath, n), stage) for n in names if n.endswith((".h", ".cc"))]
    for name, stage in owner.items():
        files.append((os.path.join(root, "include", name), stage))
    for path, stage in sorted(files):
        if not os.path.exists(path):
            problems.append(f"{os.path.relpath(path, root)}: listed in an umbrella but missing")
            continue
        for name in includes(path):
            other = stage_of(name, owner, order)
            if other is not None and rank[other] > rank[stage]:
                problems.append(f"{os.path.relpath(path, root)}: stage {stage} includes \"{name}\" "
                                f"of stage {other}, which comes after it")
    return order, problems


def self_test():
    """Plants a violation in a minimal tree; the check must report it."""
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            open(os.path.join(root, rel), "w").write(text)
        write("src/CMakeLists.txt", "add_subdirectory(low)\nadd_subdirectory(high)\n")
        write("include/invr/low.h", "")
        write("include/invr/high.h", "")
        write("include/invr/stage/low.h", '#include "invr/low.h"\n')
        write("include/invr/stage/high.h", '#include "invr/high.h"\n')
        write("src/high/ok.cc", '#include "invr/low.h"\n#include "invr/high.h"\n')
        write("README.md", "| low | `src/low` | `low.h` |\n| high | `src/high` | `high.h` |\n")
        _, clean = check(root)
        write("src/low/bad.cc", '#include "invr/high.h"\n')
        write("src/low/bad2.cc", '#include "high/private.h"\n')
        write("include/invr/orphan.h", "")
        write("README.md", "| low | `src/low` | `low.h`, `high.h` |\n| high | `src/high` | `high.h` |\n")
        _, dirty = check(root)
    ok = (clean == [] and len(dirty) == 4 and any("bad.cc" in p for p in dirty)
          and any("bad2.cc" in p for p in dirty) and any("orphan.h" in p for p in dirty)
          and any(p.startswith("README.md") for p in dirty))
    print("self-test", "passed" if ok else f"FAILED: clean={clean} dirty={dirty}")
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    order, problems = check(root)
    for p in problems:
        print(p)
    print(f"stage order: {' < '.join(order)}; {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
