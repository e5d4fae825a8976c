"""The documented install (docs/python.md): `pip install --no-build-isolation .`
into a fresh venv (--system-site-packages, for Debian's numpy), offline,
then `import invr` there works and finds the plugins it carries (RocksDB's,
LibTorch's).
Reuses the configured build folder ($INVR_BUILD_DIR), so it takes seconds."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def test_pip_install_into_a_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the installed copy, not the build tree's
    env["PIP_NO_INDEX"] = "1"  # offline: nothing may come from the network
    proc = subprocess.run([str(python), "-m", "pip", "install", "--no-build-isolation", "--no-index",
                           "--no-deps", "."], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    code = ("import invr, os, numpy as np; "
            "print(invr.__file__); "
            "ids, _ = invr.topk(np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32), 1); "
            "assert ids.ravel().tolist() == [0, 1, 2]; "
            "print(sorted(os.listdir(os.path.dirname(invr.__file__)))); "
            "print(invr._invr._torch_plugin_path()); "
            "invr.CandidateStore('rocksdb:' + os.path.join(os.getcwd(), 'store')); "
            "print([line.split()[-1] for line in open('/proc/self/maps') "
            "       if line.rstrip().endswith('/libinvr_rocksdb.so')][0])")
    run = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    location = Path(run.stdout.splitlines()[0])
    assert location.is_relative_to(venv), location
    files = run.stdout.splitlines()[1]
    assert "__init__.pyi" in files and "py.typed" in files
    # The model plugin travels with the module and is looked for there first.
    plugin = Path(run.stdout.splitlines()[2])
    assert plugin.parent == location.parent and plugin.exists(), plugin
    # The store plugin too: the copy next to the module is the one a store loads.
    store_plugin = Path(run.stdout.splitlines()[3])
    assert store_plugin.parent == location.parent, store_plugin
