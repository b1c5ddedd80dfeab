"""`pfiq audit-archive SOURCE... --results STORE`: the analysis of a whole archive on a Dask cluster.

Results go into one SQLite store on this machine, keyed by photo content and
engine configuration: running the same command again resumes where a crash or
Ctrl-C stopped it, and a changed profile or model analyses everything again.
Dask (the `cluster` extra) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pfiq_desktop.cli.common import (
    EXIT_CANCELLED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PHOTO_PROBLEM,
    EXIT_USAGE,
    add_engine_options,
    error,
    note_annotated,
    positive_int,
    printable,
    report_skipped,
    saved_profile_note,
    stop_on_sigterm,
)
from pfiq_desktop.cli.progress import RateMeter, print_progress
from pfiq_desktop.engine.defaults import CHUNK_PHOTOS, MAP_POLICIES

if TYPE_CHECKING:
    from pfiq_desktop.archive.runner import AuditSummary

log = logging.getLogger(__name__)

CLUSTER_EXTRA_HINT = "audit-archive needs Dask: pip install 'pfiq-desktop[cluster]'"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "audit-archive",
        help="analyse a whole archive on a Dask cluster into one resumable result store",
        description="Analyse every photo of an archive on a local or remote Dask cluster. Results (the analysis "
        "JSON and flat columns per photo) go into one SQLite store; a re-run analyses only what is missing.",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="folders, photos, or text files (.txt/.lst/.list) listing one photo or folder per line")
    parser.add_argument("--results", required=True, metavar="STORE", help="the SQLite result store (created if missing)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--workers", type=positive_int, help="local worker processes (default: one per core)")
    parser.add_argument("--chunk", type=positive_int, default=CHUNK_PHOTOS, help=f"photos per task (default {CHUNK_PHOTOS})")
    parser.add_argument("--parquet", metavar="FILE", help="also write the flat columns to this Parquet file")
    parser.add_argument("--maps", choices=MAP_POLICIES, default="all",
                        help="which photos keep their pixel maps in the store (about 80 %% of each analysis): all "
                        "(default), flagged (those that did not pass: what reports are opened for), or none; "
                        "photos already in the store keep what they have")
    add_engine_options(parser, methods=True, backbone=False)
    parser.add_argument("--recursive", action="store_true", help="also search sub-folders")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from pfiq_desktop.archive.cluster import ClusterUnavailable, load_engine, open_client
        from pfiq_desktop.archive.runner import run_audit
        from pfiq_desktop.archive.worker import EngineMismatch, EngineSettings
    except ImportError as missing:
        error(f"{CLUSTER_EXTRA_HINT} ({missing})")
        return EXIT_USAGE
    from pfiq_desktop.archive.config import engine_config
    from pfiq_desktop.archive.sources import expand_sources
    from pfiq_desktop.archive.store import ResultStore, StoreError
    from pfiq_desktop.engine.icao import ProfileError, load_profile

    found = expand_sources(args.sources, recursive=args.recursive)
    report_skipped(found.skipped)
    note_annotated(found.annotated)
    paths = [str(path) for path in found.files]
    if not paths:
        error("no photos found in the given sources")
        return EXIT_USAGE
    try:
        profile = load_profile(args.profile)
    except ProfileError as problem:
        error(str(problem))
        return EXIT_USAGE
    saved_profile_note(args)
    config = engine_config(profile, args.quality, args.map_method)
    settings = EngineSettings(args.device, profile, args.quality, args.map_method, config.hash, maps=args.maps)
    stop_on_sigterm()
    try:
        with ResultStore(args.results) as store:
            pending = store.pending(paths, config.hash)
            print(f"{len(paths)} photos; {len(paths) - len(pending)} already in {store.path} under engine "
                  f"configuration {config.hash}; {len(pending)} to analyse", file=sys.stderr)
            summary = None
            if pending:
                with open_client(args.scheduler, args.workers) as client:
                    plugin = load_engine(client, settings)
                    workers = len(client.scheduler_info()["workers"])
                    print(f"engine loaded on {workers} workers" if workers else
                          "no workers connected to the scheduler yet: the tasks wait for the first one", file=sys.stderr)
                    meter = RateMeter()  # from here: the rate is the cluster's, not its start-up's
                    summary = run_audit(client, store, config, plugin, len(paths), pending, args.chunk,
                                        lambda done, total: print_progress(done, total, meter.label(done, total)))
            if args.parquet:
                from pfiq_desktop.archive.parquet import export_parquet

                rows = export_parquet(store, config.hash, args.parquet)
                print(f"{rows} rows written to {Path(args.parquet).resolve()}", file=sys.stderr)
            failures = store.failures(config.hash)
    except (StoreError, OSError) as problem:  # the store or the Parquet file cannot be written
        error(str(problem))
        return EXIT_OUTPUT
    except (ClusterUnavailable, EngineMismatch, ValueError, RuntimeError) as problem:
        # no cluster, or the workers cannot load the engine; anything else that stops the run has its traceback logged
        log.exception("the audit stopped")
        error(f"{type(problem).__name__}: {problem}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"\ncancelled; every finished chunk is in {args.results}: run the same command to resume",
              file=sys.stderr)
        return EXIT_CANCELLED
    code = _report(summary, failures)
    return EXIT_PHOTO_PROBLEM if found.skipped and code == EXIT_OK else code


def _report(summary: AuditSummary | None, failures: list[tuple[str, str]]) -> int:
    """The closing lines: what this run did, and the photos that still have no analysis."""
    if summary is not None:
        rate = summary.done / summary.elapsed if summary.elapsed else 0.0
        print(f"{summary.analysed} analysed ({summary.problems} unusable or without a face), {summary.failed} failed, "
              f"{summary.skipped} skipped as done; {rate:.1f} photos/s over {summary.elapsed:.0f} s")
    else:
        print("nothing to analyse: every photo is in the store under this engine configuration")
    for path, problem in failures[:20]:
        print(f"  failed: {printable(path)}: {printable(problem)}")
    if len(failures) > 20:
        print(f"  ... and {len(failures) - 20} more (table `failures` of the store)")
    problems = (summary.problems if summary else 0) + len(failures)
    return EXIT_PHOTO_PROBLEM if problems else EXIT_OK
