"""zorgclaim's command line: adjudicate, explain, scenario check|run, demo, dbc, intake, process, member,
statement, pay, deductible-invoices, ledger, reconsider, line, serve, users, review.

Errors a user can fix are printed as one clear message (file, line, field) with exit code 2;
never a traceback (set ZORGCLAIM_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys

if len(sys.argv) > 1 and sys.argv[1] == "serve":
    # the service decides small batches as claims come: polars' own thread pool costs more than it
    # gives there (measured: the same wall time, a fifth more CPU), and the second core serves requests
    os.environ.setdefault("POLARS_MAX_THREADS", "1")

import typer

from zorgclaim.cli import adjudicate, books, dbc, demo, reference, scenario, service, store  # noqa: F401  (register the commands)
from zorgclaim.cli.common import app, err

def main():
    from zorgclaim.formats.tabular import InputError
    from zorgclaim.policy.library import PolicyError
    from zorgclaim.reference.tables import ReferenceError
    from zorgclaim.scenarios.runner import ScenarioError
    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except (InputError, PolicyError, ReferenceError, ScenarioError) as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - last resort: no traceback for users
        if hasattr(e, "show") and hasattr(e, "exit_code"):  # a usage error from typer's click
            e.show()
            sys.exit(e.exit_code)
        if os.environ.get("ZORGCLAIM_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(e).__name__}: {e}\n(set ZORGCLAIM_DEBUG=1 for details and report it)")
        sys.exit(1)


if __name__ == "__main__":
    main()
