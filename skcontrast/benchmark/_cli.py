"""The ``skcontrast-benchmark`` command line."""

from __future__ import annotations

import argparse
import sys

from ._config import available_configs, load_config
from ._report import markdown_report, write_results
from ._runner import run_benchmark


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skcontrast-benchmark",
        description="Run a named benchmark config (or a JSON config file) and print its table.",
    )
    parser.add_argument("config", nargs="?", help="a shipped config name or a JSON file")
    parser.add_argument("--list", action="store_true", help="list the shipped configs")
    parser.add_argument("--out", help="results folder for CSV, Markdown, PNG and versions")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the config's seeds")
    parser.add_argument("--rates", type=float, nargs="+", help="override the perturbation rates")
    parser.add_argument("--data-home", help="folder the dataset loaders search first")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="seeds run in parallel (same rows at equal torch threads per process)")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    return parser


def main(argv=None) -> int:
    """Entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        for name in available_configs():
            print(f"{name}: {load_config(name).description}")
        return 0
    if args.config is None:
        parser.error("name a config (see --list) or give a JSON file")
    try:
        config = load_config(args.config)
        if args.seeds is not None or args.rates is not None:
            config = config.replace(seeds=args.seeds, rates=args.rates)
    except ValueError as exc:
        parser.error(str(exc))
    results = run_benchmark(config, data_home=args.data_home, progress=not args.no_progress,
                            n_jobs=args.n_jobs)
    print(markdown_report(results, title=config.name, header=config.description,
                          baseline=config.baseline))
    if args.out:
        paths = write_results(results, config, args.out, plots=not args.no_plots)
        print("\nwrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0
