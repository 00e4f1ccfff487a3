"""Toil 9.6's options that our parsers do not declare themselves: each one's status and reason.

Every option of Toil 9.6's three parsers (a Python script's, toil-cwl-runner's, toil-wdl-runner's)
is either declared by our own parsers (implemented there) or listed here:

- ``NOOP``: accepted with Toil's value syntax and a debug log; a tuning knob of something done
  differently here, so it changes nothing.
- ``REFUSED``: accepted by the parser, then the run stops with one line saying why.
- ``PLACEHOLDER``: another piece of work implements it; accepted as a no-op until then.
- ``IMPLEMENTED``: declared by one runner's parser (toil-cwl-runner's ``--outdir`` ...); listed so
  the other parsers treat it as Toil does (a Python script ignores CWL and WDL options, a runner
  refuses the other language's).

``add_compat_options`` adds the spellings a parser lacks, after its own options.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from typing import Any

from toil.core.optiontypes import boolean

logger = logging.getLogger(__name__)

IMPLEMENTED, NOOP, REFUSED, PLACEHOLDER = "implemented", "accepted-no-op", "refused", "placeholder"
#: how a Toil option takes its value: a bare flag, Toil's BOOL (true/false/on/off/1/0/yes/no, or bare),
#: one value, an optional value, one or more values
FLAG, BOOL, VALUE, OPTIONAL, LIST = "flag", "bool", "value", "optional", "list"
#: which of Toil's parsers an option belongs to
BASE, CWL, WDL, RUNNER = "base", "cwl", "wdl", "runner"

_CLOUD = "cloud provisioning is not supported"
_NO_PREEMPTIBLE = "there are no preemptible nodes here"
_LEADER_LOCAL = "local bookkeeping jobs run inside the leader"
_POLL = "the leader polls the batch system on its own schedule"


@dataclass(frozen=True)
class CompatOption:
    flags: tuple[str, ...]
    arity: str
    status: str
    reason: str
    scope: str = BASE
    dest: str = ""


def _o(flags: str, arity: str, status: str, reason: str, scope: str = BASE, dest: str = "") -> CompatOption:
    return CompatOption(tuple(flags.split()), arity, status, reason, scope, dest)


TABLE: tuple[CompatOption, ...] = (
    # -- logging
    _o("--logTrace", FLAG, REFUSED, "there is no TRACE level here; use --logDebug"),
    _o("--rotatingLogging", FLAG, NOOP, "the leader's --logFile is not rotated"),
    _o("--logColors", BOOL, NOOP, "log lines are not coloured"),
    # -- core
    _o("--cleanWorkDir", VALUE, NOOP, "jobs' scratch directories are always removed when the workflow ends"),
    _o("--clusterStats", OPTIONAL, REFUSED, _CLOUD),
    _o("--disableHotDeployment", FLAG, NOOP, "same as --disableAutoDeployment's default here: workers import "
       "the user's modules from shared paths"),
    _o("--maxLocalJobs", VALUE, NOOP, _LEADER_LOCAL),
    _o("--runLocalJobsOnWorkers --runCwlInternalJobsOnWorkers", FLAG, NOOP, _LEADER_LOCAL),
    _o("--coalesceStatusCalls", FLAG, NOOP, "status queries are always coalesced"),
    _o("--statePollingTimeout", VALUE, NOOP, _POLL),
    _o("--memoryIsProduct", FLAG, NOOP, "memory is requested per job, never per core"),
    _o("--awsBatchRegion", VALUE, REFUSED, "the aws_batch batch system is not supported"),
    _o("--awsBatchQueue", VALUE, REFUSED, "the aws_batch batch system is not supported"),
    _o("--awsBatchJobRoleArn", VALUE, REFUSED, "the aws_batch batch system is not supported"),
    _o("--slurmDefaultAllMem", BOOL, REFUSED, "every job asks sbatch for its own memory; give --slurmArgs=--mem=0 "
       "for a node's whole memory"),
    _o("--symlinkJobStoreReads", BOOL, NOOP, "reads from a file job store are copies or hard links"),
    _o("--symlinkImports", BOOL, PLACEHOLDER, "being implemented (file import by link)"),
    _o("--moveOutputs", BOOL, PLACEHOLDER, "being implemented (moving outputs on export)"),
    _o("--linkImports --noLinkImports", FLAG, PLACEHOLDER, "being implemented (file import by link)"),
    _o("--moveExports --noMoveExports", FLAG, PLACEHOLDER, "being implemented (moving outputs on export)"),
    _o("--disableProgress", FLAG, PLACEHOLDER, "being implemented (progress bar)"),
    _o("--metrics", BOOL, PLACEHOLDER, "being implemented (workflow metrics)"),
    # -- autoscaling: clouds only
    _o("--provisioner -p", VALUE, REFUSED, _CLOUD),
    _o("--nodeTypes", VALUE, REFUSED, _CLOUD),
    _o("--maxNodes", VALUE, REFUSED, _CLOUD),
    _o("--minNodes", VALUE, REFUSED, _CLOUD),
    _o("--targetTime", VALUE, REFUSED, _CLOUD),
    _o("--betaInertia", VALUE, REFUSED, _CLOUD),
    _o("--scaleInterval", VALUE, REFUSED, _CLOUD),
    _o("--preemptibleCompensation --preemptableCompensation", VALUE, REFUSED, _CLOUD),
    _o("--nodeStorage", VALUE, REFUSED, _CLOUD),
    _o("--nodeStorageOverrides", VALUE, REFUSED, _CLOUD),
    _o("--assumeZeroOverhead", BOOL, REFUSED, _CLOUD),
    _o("--forceDockerAppliance", BOOL, REFUSED, "there is no Toil appliance (it serves cloud clusters)"),
    # -- services, retries
    _o("--maxPreemptibleServiceJobs", VALUE, NOOP, f"{_NO_PREEMPTIBLE}; --maxServiceJobs limits every service"),
    _o("--enableUnlimitedPreemptibleRetries --enableUnlimitedPreemptableRetries", BOOL, NOOP, _NO_PREEMPTIBLE),
    _o("--coordinationDir", VALUE, NOOP, "coordination files live in --workDir's toil-<workflow> directory"),
    _o("--doubleTime", BOOL, REFUSED, "no batch system here reports a job killed for its time limit apart from "
       "other failures"),
    _o("--rescueJobsFrequency", VALUE, NOOP, _POLL),
    _o("--jobStoreTimeout", VALUE, NOOP, "a job's record is read once it is committed; there is no wait"),
    # -- misc
    _o("--writeMessages", VALUE, REFUSED, "there is no message bus to write"),
    _o("--disableJobStoreChecksumVerification", BOOL, NOOP, "the job stores keep no checksums to verify"),
    _o("--servicePollingInterval", VALUE, NOOP, "services report through the job store as they change"),
    _o("--statusWait", VALUE, NOOP, "the leader reports its state when it changes"),
    _o("--publishWorkflowMetrics", VALUE, NOOP, "no workflow metrics are published"),
    _o("--debugWorker", FLAG, REFUSED, "use --batchSystem inline to run jobs in the leader's process"),
    _o("--badWorker", VALUE, NOOP, "Toil's fault injection for its own tests"),
    _o("--badWorkerFailInterval", VALUE, NOOP, "Toil's fault injection for its own tests"),
    # -- runners (toil-cwl-runner and toil-wdl-runner)
    _o("--runImportsOnWorkers --run-imports-on-workers", FLAG, NOOP, "inputs are imported by the leader", RUNNER),
    _o("--importWorkersBatchSize --import-workers-batch-size", VALUE, NOOP, "inputs are imported by the leader",
       RUNNER),
    _o("--importWorkersThreshold --import-workers-threshold", VALUE, NOOP, "inputs are imported by the leader",
       RUNNER),
    _o("--importWorkersDisk --import-workers-disk", VALUE, NOOP, "inputs are imported by the leader", RUNNER),
    # -- toil-cwl-runner: cwltool's options
    *(_o(f, a, IMPLEMENTED, "toil-cwl-runner", CWL) for f, a in (
        ("--enable-dev", FLAG), ("--enable-ext", FLAG), ("--quiet", FLAG), ("--basedir", VALUE),
        ("--outdir", VALUE), ("--log-dir", VALUE), ("--singularity", FLAG), ("--podman", FLAG),
        ("--no-container", FLAG), ("--preserve-environment", LIST), ("--preserve-entire-environment", FLAG),
        ("--tmpdir-prefix", VALUE), ("--tmp-outdir-prefix", VALUE), ("--strict-memory-limit", FLAG),
        ("--strict-cpu-limit", FLAG), ("--relax-path-checks", FLAG), ("--default-container", VALUE),
        ("--eval-timeout", VALUE), ("--destBucket", VALUE))),
    _o("--not-strict", FLAG, REFUSED, "documents are always validated strictly", CWL),
    _o("--user-space-docker-cmd", VALUE, REFUSED, "user-space docker (udocker) is not supported", CWL),
    _o("--leave-container", FLAG, REFUSED, "containers are always removed when a tool ends", CWL),
    _o("--custom-net", VALUE, REFUSED, "containers run on the engine's default network", CWL),
    _o("--record-container-id", FLAG, REFUSED, "container ids are not recorded", CWL),
    _o("--cidfile-dir", VALUE, REFUSED, "container ids are not recorded", CWL),
    _o("--cidfile-prefix", VALUE, REFUSED, "container ids are not recorded", CWL),
    _o("--no-prepull", FLAG, NOOP, "images are pulled when a tool first needs them", CWL),
    _o("--beta-dependency-resolvers-configuration", VALUE, REFUSED, "SoftwareRequirement resolution is not "
       "supported", CWL),
    _o("--beta-dependencies-directory", VALUE, REFUSED, "SoftwareRequirement resolution is not supported", CWL),
    _o("--beta-use-biocontainers", FLAG, REFUSED, "SoftwareRequirement resolution is not supported", CWL),
    _o("--beta-conda-dependencies", FLAG, REFUSED, "SoftwareRequirement resolution is not supported", CWL),
    _o("--rm-tmpdir", FLAG, NOOP, "tools' temporary directories are always removed (the default)", CWL),
    _o("--leave-tmpdir", FLAG, REFUSED, "tools' temporary directories are always removed", CWL),
    _o("--force-docker-pull", FLAG, REFUSED, "images present here are used as they are", CWL),
    _o("--no-match-user", FLAG, REFUSED, "containers always run as the calling user", CWL),
    _o("--no-read-only", FLAG, REFUSED, "inputs are always mounted read-only", CWL),
    _o("--disable-validate", FLAG, REFUSED, "documents are always validated", CWL),
    _o("--fast-parser", FLAG, NOOP, "documents are loaded with cwltool's own loader", CWL),
    _o("--compute-checksum", FLAG, NOOP, "output checksums are computed (the default)", CWL),
    _o("--no-compute-checksum", FLAG, REFUSED, "output checksums are always computed", CWL),
    _o("--overrides", VALUE, REFUSED, "override files are not supported", CWL),
    _o("--mpi-config-file", VALUE, REFUSED, "MPIRequirement is not supported", CWL),
    _o("--provenance", VALUE, REFUSED, "research-object provenance is not supported", CWL),
    *(_o(f, FLAG, REFUSED, "research-object provenance is not supported", CWL) for f in (
        "--enable-user-provenance", "--disable-user-provenance", "--enable-host-provenance",
        "--disable-host-provenance")),
    _o("--orcid", VALUE, REFUSED, "research-object provenance is not supported", CWL),
    _o("--full-name", VALUE, REFUSED, "research-object provenance is not supported", CWL),
    _o("--bypass-file-store", FLAG, REFUSED, "files always go through the job store", CWL),
    _o("--reference-inputs", FLAG, REFUSED, "inputs are always imported into the job store", CWL),
    _o("--disable-streaming", FLAG, NOOP, "inputs are never streamed", CWL),
    _o("--cwl-default-ram", FLAG, NOOP, "tools without ramMin get --defaultMemory (the default)", CWL),
    _o("--no-cwl-default-ram", FLAG, REFUSED, "tools without ramMin get --defaultMemory", CWL),
    _o("--cwl-min-ram", VALUE, REFUSED, "tools without ramMin get --defaultMemory", CWL),
    _o("--cachedir", VALUE, PLACEHOLDER, "being implemented (cwltool's step cache)", CWL),
    _o("--cwl-loop-iteration-limit", VALUE, NOOP, "the loop extension has no iteration limit", CWL),
    # -- toil-wdl-runner
    *(_o(f, a, IMPLEMENTED, "toil-wdl-runner", WDL) for f, a in (
        ("--wdlOutputDialect --outputDialect", VALUE), ("--wdlOutputDirectory --outputDirectory -o", VALUE),
        ("--wdlOutputFile --outputFile -m", VALUE), ("--wdlReferenceInputs --referenceInputs", BOOL),
        ("--wdlContainer --container", VALUE), ("--wdlAllCallOutputs --allCallOutputs", BOOL),
        ("--wdlStrict --strict", BOOL), ("--wdlQuantCheck --quantCheck", BOOL))),
)


class _NoOp(argparse.Action):
    """Keep the value (a script may read it) and say, at debug level, that it changes nothing."""

    reason = ""
    level = logging.DEBUG

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        logger.log(self.level, "%s accepted and ignored: %s", option_string, self.reason)
        setattr(namespace, self.dest, True if values is None or values == [] and self.nargs == 0 else values)


class _Refused(argparse.Action):
    reason = ""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if values is False:  # --doubleMem=false asks for nothing we lack
            setattr(namespace, self.dest, False)
            return
        # a config file's key comes as the first spelling (-p): name the option by a long one
        name = option_string if (option_string or "").startswith("--") else \
            next((f for f in self.option_strings if f.startswith("--")), option_string)
        parser.error(f"{name}: {self.reason}")


def _nargs(arity: str) -> Any:
    return {BOOL: "?", VALUE: None, OPTIONAL: "?", LIST: "+"}[arity]


def effective_status(option: CompatOption, runner: str) -> tuple[str, str]:
    """The option's status and reason on this parser (``script``, ``cwl`` or ``wdl``)."""
    other = {CWL: "toil-cwl-runner", WDL: "toil-wdl-runner"}
    if option.scope in (CWL, WDL, RUNNER) and runner == "script":
        return NOOP, "a runner's option; a Python workflow ignores it, as Toil's does"
    if option.scope in (CWL, WDL) and option.scope != runner:
        # Toil refuses it on the command line but reads config files that set it (default.yaml has them all)
        return NOOP, f"an option of {other[option.scope]}, not of this runner"
    return option.status, option.reason


def add_compat_options(parser: argparse.ArgumentParser, runner: str) -> None:
    """Add Toil's options this parser lacks, each with its status on this runner."""
    known = set(parser._option_string_actions)
    dests = {action.dest for action in parser._actions}
    group = parser.add_argument_group("Toil's other options (accepted for compatibility; see toil_compat_options)")
    for option in TABLE:
        # a Python script's parser has the WDL options under their --wdl names only, as Toil's: a script's own
        # --outputFile or -o stays free
        spellings = [f for f in option.flags if f.startswith("--wdl")] if option.scope == WDL and runner == "script" \
            else option.flags
        flags = [f for f in spellings if f not in known]
        if not flags:
            continue
        status, reason = effective_status(option, runner)
        if status == IMPLEMENTED:
            raise RuntimeError(f"{option.flags[0]} is listed as implemented but {runner}'s parser lacks it")
        # a flag is a store_const action to configargparse, which then reads "key: true" in a config file
        bases: tuple[type, ...] = (_Refused if status == REFUSED else _NoOp,)
        if option.arity == FLAG:
            bases += (argparse._StoreConstAction,)
        level = logging.WARNING if option.scope in (CWL, WDL) and runner in (CWL, WDL) else logging.DEBUG
        action = type("Refused" if status == REFUSED else "NoOp", bases, {"reason": reason, "level": level})
        dest = option.dest or flags[0].lstrip("-").replace("-", "_")
        extra: dict[str, Any] = {"const": True} if option.arity == FLAG else {"nargs": _nargs(option.arity)}
        if option.arity == BOOL:
            extra.update(const=True, type=boolean, metavar="BOOL")
        group.add_argument(*flags, action=action, dest=dest,
                           default=argparse.SUPPRESS if dest in dests else None,
                           help=argparse.SUPPRESS, **extra)


def counts(runner: str) -> dict[str, int]:
    """How many of the table's options have each status on this runner."""
    found: dict[str, int] = {}
    for option in TABLE:
        status = effective_status(option, runner)[0]
        found[status] = found.get(status, 0) + 1
    return found
