"""The one way through: discover -> parse -> records -> rules -> fleet pass -> suppress -> report.

The engine calls rules through the registry and names none of them. Reader problems
(DM001-DM005) take their severity and documentation from the registry like any other rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from dmlint.discover import Candidate
from dmlint.engine import Registry, Rule
from dmlint.model import Finding, Location, Problem, Severity
from dmlint.readers import read_file
from dmlint import plausible, suppress


@dataclass
class Options:
    """Settings the rules may read (from config and command line)."""

    hyperv_version: str | None = None  # assumed host version where a record gives none
    overhead_mb: int | None = None  # per-VM overhead for the fleet pass; None: rules/data/fleet.yaml (A2)
    settings: dict = field(default_factory=dict)  # the merged config, for rules that want more
    base: dict | None = None  # with --base REF: {VM name: record at REF}, for change rules


class Context:
    """What a rule's check() receives besides the record."""

    def __init__(self, options: Options | None = None, vms=(), hosts=()):
        self.options = options or Options()
        self.vms = list(vms)
        self.hosts = {}
        for host in hosts:
            self.hosts.setdefault(host.name, host)

    @cached_property
    def catalog(self):
        from dmlint.catalog import load_catalog

        return load_catalog()

    @cached_property
    def limits(self):
        from dmlint.limits import load_limits

        return load_limits()

    @cached_property
    def fleet(self):
        from dmlint.fleet import build_fleet

        try:
            return build_fleet(self.vms, list(self.hosts.values()), self)
        except Exception:
            return self._fleet_without_failing_hosts(build_fleet)

    def _fleet_without_failing_hosts(self, build_fleet):
        """The fleet pass raised on some record: find the hosts it fails on, one host at a time,
        and run it without them, so one bad record costs its host, not every host's DM301-DM306.
        The failing hosts are on `fleet.failed_hosts` {name: (host record, exception)}."""
        members: dict = {}
        for vm in self.vms:
            members.setdefault(vm.host, []).append(vm)
        failed = {}
        for name, rec in self.hosts.items():
            try:
                build_fleet(members.get(name, []), [rec], self)
            except Exception as exc:
                failed[name] = (rec, exc)
        fleet = build_fleet([vm for vm in self.vms if vm.host not in failed],
                            [h for n, h in self.hosts.items() if n not in failed], self)
        fleet.failed_hosts = failed
        return fleet

    def previous(self, vm):
        """The VM's record at the --base revision, or None (no --base, or a new VM)."""
        if self.options.base is None:
            return None
        return self.options.base.get(vm.name)

    def hyperv_version(self, vm) -> str | None:
        """The host version a VM is checked against: its own, its host's, or --hyperv-version."""
        if vm.hyperv_version:
            return vm.hyperv_version
        host = self.hosts.get(vm.host) if vm.host else None
        if host is not None and host.hyperv_version:
            return host.hyperv_version
        return self.options.hyperv_version


@dataclass
class RunResult:
    findings: list
    files: int = 0  # files read that hold dmlint input
    vms: list = field(default_factory=list)
    hosts: list = field(default_factory=list)
    parsed: list = field(default_factory=list)  # (Candidate, ParseResult)
    context: "Context | None" = None  # what the rules saw: its fleet pass is reused by `dmlint fleet`
    unrecognised: list = field(default_factory=list)  # (display, format) of files named explicitly that are not dmlint input


def _finding(rule: Rule, message: str, location: Location, vm=None, host=None, field=None) -> Finding:
    return Finding(rule.id, rule.severity, message, location, vm=vm, host=host, name=rule.name, field=field)


def _internal(rule: Rule, exc: Exception, location: Location, vm=None) -> Finding:
    return Finding(rule.id, Severity.ERROR, f"internal error in rule {rule.id}: {type(exc).__name__}: {exc}; please report it", location, vm=vm, name=rule.name)


def parse_all(candidates: list[Candidate], jobs: int = 1, progress=None):
    """`progress(n)`, when given, is called as files are read (dmlint.progress)."""
    if jobs > 1 and len(candidates) > 64:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = []
            for r in pool.map(_read_one, candidates, chunksize=64):
                results.append(r)
                if progress:
                    progress(1)
    elif progress:
        results = []
        for c in candidates:
            results.append(_read_one(c))
            progress(1)
    else:
        results = [_read_one(c) for c in candidates]
    return list(zip(candidates, results))


def _read_one(c: Candidate):
    return read_file(c.path, c.display, c.fmt)


def check_records(vms, hosts, registry: Registry, selected: set[str], options: Options, problems=(), ctx=None) -> list[Finding]:
    """Rules and fleet pass over records already read. Problems are reader findings."""
    findings: list[Finding] = []
    for problem in problems:
        rule = registry.by_id.get(problem.rule)
        if rule is not None and rule.id in selected:
            findings.append(_finding(rule, problem.message, problem.location, vm=problem.vm))
    ctx = ctx or Context(options, vms, hosts)
    active = [r for r in registry.all() if r.id in selected]
    for rule in (r for r in active if r.scope == "vm"):
        check = rule.check
        for vm in vms:
            try:
                for fld, message in check(vm, ctx) or ():
                    findings.append(_finding(rule, message, vm.loc(fld), vm=vm.name, field=fld))
            except Exception as exc:  # a broken (plugin) rule must not hide the other findings
                findings.append(_internal(rule, exc, vm.source, vm=vm.name))
    fleet_rules = [r for r in active if r.scope == "fleet"]
    if fleet_rules and (hosts or any(vm.host for vm in vms)):
        try:
            failed = getattr(ctx.fleet, "failed_hosts", None) or {}
        except Exception:  # not containable by host: each fleet rule reports it below
            failed = {}
        for name, (rec, exc) in sorted(failed.items()):
            ids = ", ".join(r.id for r in fleet_rules)
            findings.append(Finding(fleet_rules[0].id, Severity.ERROR, f"internal error in the fleet pass for host {name!r} ({type(exc).__name__}: {exc}): it and its VMs are left out of {ids}; please report it", rec.source, host=name, name=fleet_rules[0].name))
        for rule in fleet_rules:
            try:
                for record, fld, message in rule.check(ctx.fleet, ctx) or ():
                    is_vm = hasattr(record, "startup")
                    findings.append(
                        _finding(
                            rule,
                            message,
                            record.loc(fld),
                            vm=record.name if is_vm else None,
                            host=(record.host if is_vm else record.name),
                            field=fld,
                        )
                    )
            except Exception as exc:
                findings.append(_internal(rule, exc, Location("<fleet>")))
    return findings


def _drop_packer_shadows(vms) -> list:
    """Packer writes `Virtual Machines/box.xml` beside the VM's own .vmcx: one VM, two files.
    Where an XML and a VMCX record of the same name share a folder, the VMCX one is the VM."""
    vmcx = {(vm.source.path.rpartition("/")[0], vm.name) for vm in vms if vm.fmt == "vmcx"}
    if not vmcx:
        return vms
    return [vm for vm in vms if not (vm.fmt == "xml" and (vm.source.path.rpartition("/")[0], vm.name) in vmcx)]


def _duplicates(vms, hosts) -> list[Problem]:
    problems = []
    for kind, records in (("VM", vms), ("host", hosts)):
        first = {}
        for rec in records:
            if rec.name.startswith("<unnamed") or getattr(rec, "fmt", None) == "packer":
                continue  # Packer build VMs are throwaway: templates often build the same vm_name
            if rec.name in first:
                prev = first[rec.name].loc("name")
                problems.append(
                    Problem("DM002", f"duplicate {kind} name {rec.name!r} (first defined at {prev.path}:{prev.line})", rec.loc("name"), vm=rec.name if kind == "VM" else None)
                )
            else:
                first[rec.name] = rec
    return problems


def run(candidates: list[Candidate], registry: Registry, selected: set[str], options: Options, jobs: int = 1, per_file_ignores=None, mappings=None, context=(), progress=None) -> RunResult:
    """`context`: the project's other files (dmlint.project) when files are named: their hosts
    and placed VMs take part in the fleet pass; nothing is reported on them."""
    parsed = parse_all(candidates, jobs, progress)
    vms, hosts, problems = [], [], []
    files = 0
    unrecognised = []
    for cand, result in parsed:
        if not result.ours and not result.problems:
            if cand.explicit:
                unrecognised.append((cand.display, cand.fmt))
            continue
        files += 1
        problems.extend(result.problems)
        vms.extend(result.vms)
        hosts.extend(result.hosts)
    all_vms, all_hosts, context_paths = vms, hosts, set()
    if context:
        from dmlint.project import gather

        by_mapping = any(isinstance(m, dict) and m.get("host") for m in mappings or ())
        more_vms, more_hosts = gather(context, vms, hosts, by_mapping)
        context_paths = {c.display for c in context}
        # in path order, as a directory run reads them: a duplicate is reported where it would be
        all_vms = sorted(vms + more_vms, key=lambda r: r.source.path)
        all_hosts = sorted(hosts + more_hosts, key=lambda r: r.source.path)
    if mappings:
        from dmlint.exports import apply_mappings

        apply_mappings(all_vms, mappings)
    all_vms = _drop_packer_shadows(all_vms)
    vms = [vm for vm in all_vms if vm.source.path not in context_paths] if context else all_vms
    problems.extend(_duplicates(all_vms, all_hosts))
    ctx = Context(options, all_vms, all_hosts)
    problems.extend(plausible.check(all_vms, all_hosts, ctx.limits))
    findings = check_records(vms, all_hosts, registry, selected, options, problems, ctx=ctx)
    if context_paths:  # findings stay on the files the user named
        findings = [f for f in findings if f.location.path not in context_paths]
    findings = suppress.apply(findings, parsed, per_file_ignores or {})
    findings.sort(key=Finding.sort_key)
    return RunResult(findings, files, vms, hosts, parsed, ctx, unrecognised)
