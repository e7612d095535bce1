"""Imported by the sandbox's forkserver when it starts: loads the exercises named in $GRADER_PRELOAD
("bank:name" refs; the banks' folders in $GRADER_PRELOAD_BANKS), so that every worker forked from it has
their checks already imported instead of importing them itself."""

from __future__ import annotations

import os

from grader import bank

PRELOAD, BANKS = "GRADER_PRELOAD", "GRADER_PRELOAD_BANKS"

bank.use([part for part in os.environ.get(BANKS, "").split(os.pathsep) if part], discover=False)
for ref in filter(None, os.environ.get(PRELOAD, "").split(",")):
    try:
        bank.get(ref)
    except Exception:  # a worker that needs it reports the problem; a forkserver must start regardless
        pass
