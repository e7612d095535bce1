"""The wheel's one build step besides pyproject.toml: the built-in bank's torchgrader.toml goes into
grader/builtin_pack, the root of the pack the wheel carries (pyproject.toml maps exercises/ there)."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):  # type: ignore[misc]
    """build_py, and the bank's config copied to the pack's root (a checkout keeps the one copy)."""

    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):  # an editable install grades the checkout, live
            self.copy_file("torchgrader.toml", str(Path(self.build_lib, "grader", "builtin_pack", "torchgrader.toml")))


setup(cmdclass={"build_py": BuildPy})
