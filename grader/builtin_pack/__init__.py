"""The built-in bank as a pack, as the wheel carries it: this folder's pack.json, the checkout's exercises/ (the
stubs, checks.py, text.toml and each exercise's frozen data) mapped into it by pyproject.toml, and torchgrader.toml
copied in by setup.py. In a checkout the built-in bank is graded live; `grader pack --out grader/builtin_pack`
regenerates the frozen data (see grader/pack.py)."""
