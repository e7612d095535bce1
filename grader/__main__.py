"""The `grader` command (also `python -m grader`): start the sandbox first, then the CLI.

The sandbox's forkserver imports torch in its own process; starting it before the CLI
imports typer, rich and pydantic lets both imports of torch run side by side.
"""

from __future__ import annotations

import sys

SANDBOXED_COMMANDS = ("check", "validate")


def main() -> None:
    if sys.argv[1:2] and sys.argv[1] in SANDBOXED_COMMANDS:
        # forkserver.py imports next to nothing (runner.py brings pydantic, ~0.2 s before the forkserver starts)
        from grader.sandbox.forkserver import warm_up

        warm_up(kernel="--kernel" in sys.argv)
    from grader.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
