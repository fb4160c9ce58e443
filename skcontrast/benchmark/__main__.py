"""``python -m skcontrast.benchmark``: the same as the ``skcontrast-benchmark`` command."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
