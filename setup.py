"""Builds the Python package invr from this repository (docs/python.md).

`pip install --no-build-isolation .` runs this with Debian's setuptools, no
network. The extension module is not compiled here: CMake builds it with
the library (target invr_python, python/CMakeLists.txt) in the build folder
(./build, or $INVR_BUILD_DIR), reusing what scripts/build.sh already built;
a folder that was never configured is configured first (the whole library
then builds once). The wheel gets the module, python/invr/*.py{,i} and the
plugins (the RocksDB store's and LibTorch's), which the module finds next to
itself (module.cc).
"""
import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version():
    # project(invr VERSION ...) in CMakeLists.txt is the one version source.
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(invr VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("INVR_BUILD_DIR", ROOT / "build")).resolve()
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
                                   "-DCMAKE_BUILD_TYPE=Release", "-DINVR_BUILD_TESTS=OFF",
                                   "-DINVR_BUILD_BENCH=OFF"])
        jobs = os.environ.get("INVR_BUILD_JOBS", "2")
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "invr_python",
                               "-j", jobs])
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        built = build_dir / "python" / "invr" / ("_invr" + suffix)
        if not built.exists():
            found = sorted(p.name for p in (build_dir / "python" / "invr").glob("_invr*"))
            raise RuntimeError(
                f"{built} was not built: the CMake build targets another Python ({found}); "
                f"configure {build_dir} with -DPython_EXECUTABLE=<this python>")
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, dest)
        shutil.copy2(build_dir / "lib" / "libinvr_rocksdb.so", dest.parent / "libinvr_rocksdb.so")
        plugin = build_dir / "lib" / "libinvr_torch.so"
        if plugin.exists():  # absent when built with INVR_WITH_TORCH=OFF
            shutil.copy2(plugin, dest.parent / plugin.name)


setup(
    name="invr",
    version=version(),
    description="Inverse retrieval for long-tail exposure (C++ core, pybind11)",
    packages=["invr"],
    package_dir={"": "python"},
    package_data={"invr": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("invr._invr", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
