#!/usr/bin/env python3
"""invr.inverse_retrieve against the same C++ calls in the same run
(bench/bench_inverse_call.cc), and the Python process's peak RSS against
the bytes of its inputs (docs/python.md, "Benchmark").

  bench_python.py --users 200000 --items 2000 --dim 64 --top-users 100 --repeat 3

Run by scripts/bench_python.sh, which builds both and sets PYTHONPATH. The
ratio is C++ seconds / Python seconds (best of --repeat each): 1.0 = as
fast as C++. Peak RSS: a float32 C-contiguous input is read in place, so
the call adds its working memory and outputs, not a copy of the users;
a float64 input (converted once) is measured too, in a fresh process.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def python_run(items_path, users_path, args, dtype):
    """In this process: the inputs loaded, then the timed calls; RSS around them."""
    import invr
    invr.set_blas_threads(1)  # as the C++ baseline: exact search's workers each run sgemm
    items = np.load(items_path).astype(dtype)
    users = np.load(users_path).astype(dtype)
    before = rss_bytes()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = invr.inverse_retrieve(items, users, top_users_per_item=args.top_users,
                                       max_candidates_per_user=args.max_candidates)
        times.append(time.perf_counter() - start)
        candidates = len(result["user_rank"]["items"])
        del result
    return {"dtype": np.dtype(dtype).name, "seconds": times, "best": min(times), "candidates": candidates,
            "input_bytes": items.nbytes + users.nbytes, "rss_before_call_bytes": before,
            "peak_rss_bytes": peak_rss_bytes()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--top-users", type=int, default=100)
    parser.add_argument("--max-candidates", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=os.environ.get("BENCH_INVERSE_CALL", "build/bench/bench_inverse_call"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one measured Python run in a fresh process: "ITEMS,USERS,DTYPE"
        items_path, users_path, dtype = args.child.split(",")
        print(json.dumps(python_run(items_path, users_path, args, dtype)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(42)
        items_path, users_path = os.path.join(tmp, "items.npy"), os.path.join(tmp, "users.npy")
        np.save(items_path, rng.standard_normal((args.items, args.dim), dtype=np.float32))
        np.save(users_path, rng.standard_normal((args.users, args.dim), dtype=np.float32))
        def run_cpp():
            return json.loads(subprocess.run(
                [args.baseline, items_path, users_path, str(args.top_users), str(args.max_candidates), "1"],
                check=True, capture_output=True, text=True).stdout)

        def run_python(dtype):
            out = subprocess.run([sys.executable, __file__, "--child", f"{items_path},{users_path},{dtype}",
                                  "--top-users", str(args.top_users), "--max-candidates", str(args.max_candidates),
                                  "--repeat", "1"], check=True, capture_output=True, text=True)
            return json.loads(out.stdout)

        # Rounds alternate C++ and Python, each a fresh process, so load from
        # other work on the machine hits both alike; best of the rounds each.
        cpp_runs, py_runs = [], []
        for _ in range(args.repeat):
            cpp_runs.append(run_cpp())
            py_runs.append(run_python("float32"))
        cpp = min(cpp_runs, key=lambda r: r["best"])
        cpp["seconds"] = [r["best"] for r in cpp_runs]
        best32 = min(py_runs, key=lambda r: r["best"])
        best32["seconds"] = [r["best"] for r in py_runs]
        best32["peak_rss_bytes"] = max(r["peak_rss_bytes"] for r in py_runs)
        runs = {"float32": best32, "float64": run_python("float64")}
    assert runs["float32"]["candidates"] == cpp["candidates"], (runs, cpp)
    mib = 1 << 20
    print(f"inverse_retrieve {args.users} users x {args.items} items, dim {args.dim}, N = {args.top_users}, "
          f"M = {args.max_candidates}, best of {args.repeat} alternating rounds")
    print(f"  C++ call            {cpp['best']:.3f} s   peak RSS {cpp['peak_rss_bytes'] / mib:.0f} MiB")
    for dtype, run in runs.items():
        print(f"  Python ({dtype})  {run['best']:.3f} s   speed vs C++ {cpp['best'] / run['best']:.2f}x   "
              f"inputs {run['input_bytes'] / mib:.0f} MiB, RSS before call {run['rss_before_call_bytes'] / mib:.0f} MiB, "
              f"peak {run['peak_rss_bytes'] / mib:.0f} MiB (+{(run['peak_rss_bytes'] - run['rss_before_call_bytes']) / mib:.0f})")
    print(json.dumps({"cpp": cpp, "python": runs, "speed_ratio": cpp["best"] / runs["float32"]["best"]}))


if __name__ == "__main__":
    main()
