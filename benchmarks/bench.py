"""Benchmark this project against Toil 9.6, cwltool and miniwdl; write benchmarks/RESULTS.md.

    python benchmarks/bench.py [--quick] [--workloads W,..] [--systems S,..] [--reps R] [--cache DIR]

Peers get their own virtual environments under the cache directory (built once, reused). Each
workload size runs every system in turn, repetition after repetition (ours, peer, ours, peer,
...). Every run is appended to benchmarks/.results/{full,quick}.jsonl as it finishes, and a run
already recorded is not repeated: interrupt it and run it again to resume; --fresh starts over.
`make bench` runs this; see `--list` for the workloads and systems.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time

from harness import peers, report, store
from harness.common import Context
from harness.measure import become_subreaper
from harness.workloads import SYSTEM_ENVS, Group, Workload, all_workloads

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "toil-bench")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="Small N and one repetition: a smoke test.")
    p.add_argument("--workloads", default="", help="Comma-separated workloads (default: all but conformance).")
    p.add_argument("--systems", default="", help="Comma-separated systems (default: all).")
    p.add_argument("--reps", type=int, default=None, help="Repetitions (default 3; 1 with --quick).")
    p.add_argument("--cache", default=os.environ.get("BENCH_CACHE") or DEFAULT_CACHE,
                   help=f"Peer environments and scratch space (default {DEFAULT_CACHE}).")
    p.add_argument("--timeout", type=float, default=None, help="Seconds before a run is killed (default 2 h).")
    p.add_argument("--toil-cap", type=int, default=None, help="Largest N for Toil 9.6 (default per workload).")
    p.add_argument("-j", "--conformance-jobs", type=int, default=os.cpu_count() or 2,
                   help="Conformance tests at once, for both runners (default: cores).")
    p.add_argument("--scale-million", action="store_true", help="The scale workloads also run at N = 1,000,000.")
    p.add_argument("--fresh", action="store_true", help="Forget the recorded runs and start over.")
    p.add_argument("--retry-failed", action="store_true", help="Run again the runs recorded as failed.")
    p.add_argument("--keep", action="store_true", help="Keep every run's directory (default: failed ones only).")
    p.add_argument("--report", default=None, help="Where to write the report (default benchmarks/RESULTS.md, "
                   "or RESULTS-quick.md with --quick).")
    p.add_argument("--report-only", action="store_true", help="Only rewrite the report from the recorded runs.")
    p.add_argument("--setup-only", action="store_true", help="Only build the peers' environments.")
    p.add_argument("--list", action="store_true", help="List the workloads and their systems, then exit.")
    return p.parse_args(argv)


def select(args: argparse.Namespace) -> list[Workload]:
    known = all_workloads()
    if not args.workloads:
        return [w for w in known if w.default]
    wanted = [name.strip() for name in args.workloads.split(",") if name.strip()]
    unknown = set(wanted) - {w.name for w in known}
    if unknown:
        sys.exit(f"bench: unknown workload(s) {', '.join(sorted(unknown))}; known: {', '.join(w.name for w in known)}")
    return [w for w in known if w.name in wanted]


def plan(ctx: Context, workloads: list[Workload], systems: set[str] | None) -> list[tuple[Workload, Group]]:
    """Every (workload, size) to run, with the systems left after --systems."""
    steps = []
    for workload in workloads:
        for group in workload.groups(ctx):
            chosen = tuple(s for s in group.systems if systems is None or s in systems)
            if chosen:
                steps.append((workload, Group(group.n, chosen, group.reps)))
    return steps


def prepare_envs(ctx: Context, steps: list[tuple[Workload, Group]]) -> None:
    """Build (or reuse) every environment the planned runs need."""
    import toil

    if not os.path.abspath(toil.__file__).startswith(REPO + os.sep):
        sys.exit(f"bench: `import toil` finds {toil.__file__}, not this checkout; run `make install` first")
    needed = {s for _, group in steps for s in group.systems}
    os.makedirs(ctx.cache, exist_ok=True)
    for system in sorted(needed):
        name = SYSTEM_ENVS[system]
        ctx.envs[system] = peers.ours() if name is None else peers.ensure_peer(
            ctx.cache, name, os.path.join(ctx.cache, f"setup-{name}.log"))


def run_all(ctx: Context, steps: list[tuple[Workload, Group]], reps: int, results: str, retry: bool) -> int:
    """Run what is not recorded yet, alternating systems within each repetition; return the failures."""
    rev, failures = store.revision(ctx.repo), 0
    for workload, group in steps:
        for rep in range(1, (group.reps or workload.reps(ctx, reps)) + 1):
            for system in group.systems:
                if store.done(ctx.records, workload.name, group.n, system, rep, retry):
                    continue
                print(f"bench: {workload.name} N={group.n} {system} run {rep} ...", end=" ", file=sys.stderr,
                      flush=True)
                outcome = workload.run(ctx, group.n, system, rep)
                record = store.make_record(workload.name, group.n, system, rep, outcome, rev)
                store.append(results, record)
                ctx.records.append(record)
                failures += not outcome.ok and not outcome.expected_failure
                m = outcome.measurement
                status = "ok" if outcome.ok else f"FAILED ({outcome.note})"
                status += " (expected here)" if outcome.expected_failure else ""
                machine = f" (machine {m.machine_cpu:.2f} s)" if workload.machine_cpu and m.machine_cpu else ""
                print(f"wall {m.wall:.2f} s, CPU {m.cpu:.2f} s{machine}, max RSS {m.maxrss_kb / 1024:.0f} MB: "
                      f"{status}",
                      file=sys.stderr, flush=True)
    return failures


def list_plan(ctx: Context, steps: list[tuple[Workload, Group]]) -> None:
    for workload, group in steps:
        print(f"{workload.name:16} N={group.n:<7} {', '.join(group.systems)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    timeout = args.timeout or (1800.0 if args.quick else 7200.0)
    ctx = Context(REPO, os.path.abspath(args.cache), args.quick, timeout, args.toil_cap, args.conformance_jobs,
                  keep=args.keep, scale_million=args.scale_million)
    workloads = select(args)
    systems = {s.strip() for s in args.systems.split(",") if s.strip()} or None
    steps = plan(ctx, workloads, systems)
    if args.list:
        list_plan(ctx, steps)
        return 0
    results = store.results_path(REPO, args.quick)
    if args.fresh and os.path.exists(results):
        os.replace(results, f"{results}.{time.strftime('%Y%m%d%H%M%S')}.old")
    ctx.records = store.load(results)
    failures = 0
    if not args.report_only:
        prepare_envs(ctx, steps)
        if args.setup_only:
            return 0
        become_subreaper()
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # unwinds: the run is killed
        failures = run_all(ctx, steps, reps, results, args.retry_failed)
    path = args.report or os.path.join(REPO, "benchmarks", "RESULTS-quick.md" if args.quick else "RESULTS.md")
    notes = {w.name: w.notes(ctx) for w in all_workloads()}
    shown = [w for w in all_workloads() if w.default or any(r["workload"] == w.name for r in ctx.records)]
    command = "python benchmarks/bench.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    report.write(path, ctx.records, shown, notes, command.strip(), args.quick, reps)
    print(f"bench: wrote {path}" + (f"; {failures} run(s) failed" if failures else ""), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
