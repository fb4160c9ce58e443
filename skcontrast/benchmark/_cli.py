"""The ``skcontrast-benchmark`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from ._config import available_configs, load_config
from ._report import report_text, write_plots, write_results
from ._runner import read_results, run_benchmark

#: Runs estimated above this many minutes are announced before they start.
_WARN_MINUTES = 3.0

#: The torch release the shipped results (benchmarks/results) were measured with; a test
#: keeps it equal to what their environment files record.
RESULTS_TORCH_VERSION = "2.13.0"


def _torch_warning() -> str | None:
    """A note when the running torch differs from the one the shipped results used."""
    import torch

    running = torch.__version__.split("+")[0]
    if running == RESULTS_TORCH_VERSION:
        return None
    return (f"skcontrast-benchmark: torch {running} is running; the committed results were "
            f"measured with torch {RESULTS_TORCH_VERSION} (CPU build). Numbers can differ by "
            "a test row or two across torch releases.")


def _summary(description: str, width: int = 78) -> str:
    """The first sentence of a config's description, cut to ``width`` characters."""
    first = description.split(". ")[0].split(" (UCR")[0].strip().rstrip(".")
    return first if len(first) <= width else first[: width - 3].rstrip() + "..."


def _estimate(measured, run, n_jobs) -> float | None:
    """Minutes ``run`` takes on 2 CPU cores, scaled from the ``measured`` config's full run.

    ``run`` is ``measured`` with the CLI's ``--seeds``/``--rates``: time scales with the
    number of seeds and of rates.
    """
    minutes = measured.raw.get("estimated_minutes")
    if minutes is None:
        return None
    minutes *= len(run.seeds) / len(measured.seeds) * len(run.rates) / len(measured.rates)
    if n_jobs in (None, 1):
        minutes *= 2  # measured with --n-jobs 2 on 2 cores
    return minutes


def _epilog() -> str:
    names = ", ".join(available_configs())
    return (
        f"shipped configs: {names} (--list gives each one's purpose and run time)\n\n"
        "examples:\n"
        "  skcontrast-benchmark quick                  # seconds; prints a Markdown table\n"
        "  skcontrast-benchmark --list\n"
        "  skcontrast-benchmark series_suite --jobs 2 --out results/   # resumable: rerun\n"
        "      # the same command after an interruption and it continues where it stopped\n"
        "  skcontrast-benchmark tabular_labels --jobs 2 \\\n"
        "      --data-home <folder with Darwin.csv> --out results/\n"
        "  skcontrast-benchmark ecg200 --seeds 0 --rates 0 0.2 --out results/\n"
        "  skcontrast-benchmark my_config.json         # your own config (see the user guide)\n"
        "  skcontrast-benchmark ecg200 --replot --out results/   # redraw the figures only"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skcontrast-benchmark",
        description="Run a named benchmark config (or a JSON config file) and print its table.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", nargs="?", help="a shipped config name or a JSON file")
    parser.add_argument("--list", action="store_true", help="list the shipped configs")
    parser.add_argument("--out", help="results folder for CSV, Markdown, PNG and versions")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the config's seeds")
    parser.add_argument("--rates", type=float, nargs="+", help="override the perturbation rates")
    parser.add_argument("--data-home", help="folder the dataset loaders search first")
    parser.add_argument("--jobs", "--n-jobs", dest="n_jobs", type=int, default=None,
                        help="processes running units (an embedder row on one dataset and "
                             "seed) in parallel; same rows at equal threads per process")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and BLAS threads per process (default: 1 with --jobs > 1, "
                             "else torch's setting)")
    parser.add_argument("--cache", metavar="DIR",
                        help="keep every fit's embeddings in DIR: a rerun with new probes "
                             "scores them without refitting")
    parser.add_argument("--restart", action="store_true",
                        help="with --out: discard OUT/<name>_runs.csv and start over instead "
                             "of resuming from it")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--replot", action="store_true",
                        help="only redraw the PNGs from OUT/<name>_runs.csv (no run)")
    return parser


def _replot(parser, args) -> int:
    """Redraw the figures of results already in ``args.out``, with their saved config."""
    if not args.out:
        parser.error("--replot needs --out, the folder holding <name>_runs.csv")
    name = Path(args.config).stem if args.config.endswith(".json") else args.config
    csv = Path(args.out) / f"{name}_runs.csv"
    saved = Path(args.out) / f"{name}_config.json"
    if not csv.is_file() or not saved.is_file():
        parser.error(f"--replot: no {csv.name} and {saved.name} in {args.out}; run the "
                     "benchmark with --out first")
    config = load_config(json.loads(saved.read_text()))
    paths = write_plots(pd.read_csv(csv), config, args.out)
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


def main(argv=None) -> int:
    """Entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        for name in available_configs():
            config = load_config(name)
            minutes = _estimate(config, config, 2)
            when = f"~{minutes:.0f} min" if minutes and minutes >= 1 else (
                "<1 min" if minutes else "")
            print(f"{name:<18} {when:>8}  {_summary(config.description)}")
        print("\n(run times measured on 2 CPU cores with --n-jobs 2 and OMP_NUM_THREADS=1)")
        return 0
    if args.config is None:
        parser.error("name a config (see --list) or give a JSON file")
    if args.replot:
        return _replot(parser, args)
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be a positive integer; got {args.threads}")
    if args.n_jobs is not None and args.n_jobs == 0:
        parser.error("--jobs must be a positive integer, or -1 for one process per core")
    try:
        measured = config = load_config(args.config)
        if args.seeds is not None or args.rates is not None:
            config = config.replace(seeds=args.seeds, rates=args.rates)
    except ValueError as exc:
        parser.error(str(exc))
    note = _torch_warning()
    if note is not None:
        print(note, file=sys.stderr, flush=True)
    minutes = _estimate(measured, config, args.n_jobs)
    if minutes is not None and minutes > _WARN_MINUTES:
        hint = "" if args.n_jobs not in (None, 1) else "; --n-jobs 2 halves it on 2 cores"
        print(f"skcontrast-benchmark: {config.name} takes about {minutes:.0f} minutes on 2 CPU "
              f"cores (measured){hint}. Ctrl-C stops it.", file=sys.stderr, flush=True)
    csv = None
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        csv = Path(args.out) / f"{config.name}_runs.csv"
        if args.restart:
            csv.unlink(missing_ok=True)
        elif csv.is_file():
            print(f"skcontrast-benchmark: resuming from {csv} (its finished units are not run "
                  "again; --restart starts over)", file=sys.stderr, flush=True)
    results = run_benchmark(config, data_home=args.data_home, progress=not args.no_progress,
                            n_jobs=args.n_jobs, out_csv=csv, threads=args.threads,
                            cache_dir=args.cache)
    print(report_text(results, config, header=config.description))
    if args.out:
        # Rows of other datasets, seeds or rows in the same file (an earlier run with other
        # --seeds, say) stay in it, after this config's.
        everything = read_results(csv)
        reported = set(zip(results["dataset"], results["seed"], results["embedder"]))
        others = everything[[key not in reported for key in zip(
            everything["dataset"], everything["seed"], everything["embedder"])]]
        paths = write_results(results, config, args.out, plots=not args.no_plots,
                              extra_rows=others)
        print("\nwrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0
