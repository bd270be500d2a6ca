"""Command line: click commands only. Parse options, call the pipeline, pick a reporter.

Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dmlint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    exit_code = EXIT_USAGE

    def __init__(self, message: str):
        from dmlint.report.escape import human

        super().__init__(human(message))  # names and keys from a checked repository's config


def _split(values) -> list[str]:
    out = []
    for v in values or ():
        out.extend(p.strip() for p in str(v).split(",") if p.strip())
    return out


def _load_registry(rule_dirs):
    from dmlint.engine import Registry, RuleLoadError

    try:
        return Registry.load(extra_dirs=rule_dirs)
    except RuleLoadError as exc:
        raise UsageError(str(exc)) from None


def _settings(config_path):
    from dmlint.config import ConfigError, load

    try:
        return load(config_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _refuse_overwriting_inputs(target, result, *others) -> None:
    """--output, --write-baseline and --html must not replace a file this run read (exit 2)."""
    from dmlint.safeio import same_file

    inputs = {str(c.path): c.display for c, _ in result.parsed}
    inputs.update((str(o), str(o)) for o in others if o)
    hit = same_file(target, inputs)
    if hit is not None:
        raise UsageError(f"refusing to write {target}: it is {inputs[hit]}, which this run reads; name another file")


def _use_color(no_color: bool, stream) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _common_run(paths, settings, cfg_path, *, select, ignore, hyperv_version, exclude, rules_dirs, jobs, stdin_filename=None, git_base=None, scopes=None):
    """Shared by check, show and fleet: config + options -> RunResult. `scopes` selects the rules of those scopes."""
    from dmlint.discover import Candidate, discover, format_of
    from dmlint.engine import RuleLoadError
    from dmlint.pipeline import Options, run
    from dmlint.versions import normalise_version

    base = cfg_path.parent if cfg_path else Path.cwd()
    rule_dirs = [str((base / d).resolve()) for d in settings.get("rules", [])] + list(rules_dirs)
    registry = _load_registry(rule_dirs)
    if scopes:
        select = [r.id for r in registry.all() if r.scope in scopes]
    select = _split(select) or settings.get("select", [])
    ignore = _split(ignore) + list(settings.get("ignore", []))
    try:
        registry.check_selectors(list(select) + list(ignore))
    except RuleLoadError as exc:
        raise UsageError(str(exc)) from None
    selected = registry.selected(select, ignore)
    version_raw = hyperv_version or settings.get("hyperv-version")
    version = normalise_version(version_raw) if version_raw else None
    if version_raw and not version:
        raise UsageError(f"--hyperv-version {version_raw!r} is not one of 2012, 2012r2, 2016, 2019, 2022, 2025")
    options = Options(hyperv_version=version, overhead_mb=settings.get("overhead-mb"), settings=settings)
    excludes = list(exclude) + list(settings.get("exclude", []))
    tmp = None
    if list(paths) == ["-"]:
        import tempfile

        name = stdin_filename or "stdin.yaml"
        data = sys.stdin.buffer.read()
        fd, tmp = tempfile.mkstemp(suffix=Path(name).suffix or ".yaml")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        candidates = [Candidate(Path(tmp), name, format_of(Path(name)) or "yaml", True)]
        missing = []
    else:
        candidates, missing = discover(paths or ["."], excludes)
    if missing:
        raise UsageError("; ".join(f"{p}: {m}" for p, m in missing))
    if git_base:
        from dmlint.gitbase import GitBaseError, records_at

        try:
            options.base = records_at(git_base, candidates)
        except GitBaseError as exc:
            raise UsageError(str(exc)) from None
    try:
        result = run(
            candidates,
            registry,
            selected,
            options,
            jobs=jobs or settings.get("jobs", 1),
            per_file_ignores=settings.get("per-file-ignores", {}),
            mappings=settings.get("mappings"),
        )
    finally:
        if tmp:
            os.unlink(tmp)
    return result, registry


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dmlint")
def cli():
    """dmlint: lint Hyper-V virtual machine memory configuration."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "junit", "github", "gitlab"]), default=None, help="Output format (default text).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None, help="Write the report to FILE.")
@click.option("--select", multiple=True, help="Rule IDs or prefixes to enable (e.g. DM1,DM201). Default: all.")
@click.option("--ignore", multiple=True, help="Rule IDs or prefixes to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Lowest severity that fails the run (default error).")
@click.option("--hyperv-version", default=None, help="Host version assumed where none is given: 2012, 2012r2, 2016, 2019, 2022, 2025.")
@click.option("--exclude", multiple=True, help="Glob of paths not to check (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Configuration file (default: nearest .dmlint.yaml or [tool.dmlint]).")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra rule-pack directory (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Parallel reader processes.")
@click.option("--stdin-filename", default=None, help="Name to report for input read from '-'.")
@click.option("--base", "base", default=None, metavar="GITREF", help="Compare with this git revision: enables DM401 (changes a running VM cannot take).")
@click.option("--no-color", is_flag=True, help="No colour (also NO_COLOR).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), default=None, help="Report only findings not recorded in this baseline FILE.")
@click.option("--write-baseline", "write_baseline_path", type=click.Path(dir_okay=False), default=None, help="Record the current findings in FILE (a baseline) and exit 0.")
def check(paths, fmt, output, select, ignore, fail_on, hyperv_version, exclude, config_path, rules_dirs, jobs, stdin_filename, base, no_color, baseline_path, write_baseline_path):
    """Check PATHS (files or directories; default .). '-' reads standard input."""
    from dmlint.model import Severity
    from dmlint.report import render

    from dmlint import baseline as bl

    settings, cfg_path = _settings(config_path)
    known = None
    if baseline_path and not write_baseline_path:
        try:
            known = bl.load(baseline_path)
        except bl.BaselineError as exc:
            raise UsageError(str(exc)) from None
    result, registry = _common_run(paths, settings, cfg_path, select=select, ignore=ignore, hyperv_version=hyperv_version, exclude=exclude, rules_dirs=rules_dirs, jobs=jobs, stdin_filename=stdin_filename, git_base=base)
    if write_baseline_path:
        _refuse_overwriting_inputs(write_baseline_path, result, cfg_path)
        try:
            count = bl.write(result.findings, write_baseline_path)
        except bl.BaselineError as exc:
            raise UsageError(str(exc)) from None
        click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to baseline {write_baseline_path}.", err=True)
        sys.exit(EXIT_OK)
    findings, baselined = result.findings, 0
    if known is not None:
        findings, baselined = bl.filter(findings, known)
    fmt = fmt or settings.get("format", "text")
    threshold = Severity.parse(fail_on or settings.get("fail-on", "error"))
    out_stream = sys.stdout
    color = fmt == "text" and output is None and _use_color(no_color, out_stream)
    text = render(findings, fmt, color=color, registry=registry, files=result.files)
    if known is not None and fmt == "text":
        text += _baseline_note(baselined, len(known) - baselined, baseline_path)
    if output:
        from dmlint.safeio import write_atomic

        _refuse_overwriting_inputs(output, result, cfg_path, baseline_path if known is not None else None)
        try:
            write_atomic(output, text)  # a failure leaves the previous report whole
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    else:
        click.echo(text, nl=False)
    failed = any(f.severity >= threshold for f in findings)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _baseline_note(matched: int, stale: int, path: str) -> str:
    note = f"{matched} baselined finding{'s' if matched != 1 else ''} not shown ({path})."
    if stale:
        note += (
            f" {stale} baseline entr{'ies' if stale != 1 else 'y'} no longer match{'' if stale != 1 else 'es'}"
            f" (fixed or changed): run with --write-baseline {path} to drop {'them' if stale != 1 else 'it'}."
        )
    return note + "\n"


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra rule-pack directory.")
def rules_cmd(fmt, rules_dirs):
    """List every rule: built-in and plugins."""
    from dmlint.report.escape import human

    registry = _load_registry(rules_dirs)
    if fmt == "json":
        import json

        from dmlint.report.escape import json_safe

        click.echo(json_safe(json.dumps([r.as_dict() for r in registry.all()], indent=2)))
        return
    if fmt == "markdown":
        click.echo("| ID | name | severity | what it reports |\n| --- | --- | --- | --- |")
        for r in registry.all():
            summary = human(r.summary).replace("|", "\\|")
            click.echo(f"| {r.id} | {r.name} | {r.severity} | {summary} |")
        return
    rows = [(r.id, r.name, str(r.severity), human(r.summary)) for r in registry.all()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")


@cli.command()
@click.argument("rule_id")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra rule-pack directory.")
@click.option("--guest", "guest", default=None, metavar="ID", help="Also show the guest OS catalogue's figures for ID, with their sources.")
def explain(rule_id, rules_dirs, guest):
    """Show a rule's documentation."""
    registry = _load_registry(rules_dirs)
    rule = registry.get(rule_id)
    if rule is None:
        raise UsageError(f"no rule {rule_id!r} (see `dmlint rules`)")
    from dmlint.report.escape import human, human_lines

    report = ""
    if guest is not None:
        from dmlint.catalog import load_catalog
        from dmlint.guest_facts import describe_guest

        text, problem = describe_guest(load_catalog(), guest)
        if problem:
            raise UsageError(problem)
        report = f"\n\n{human_lines(text)}"
    click.echo(f"{rule.id} {rule.name} ({rule.severity})\n\n{human(rule.summary)}\n\n{human_lines(rule.doc)}\n\nSource: {human(rule.source)}{report}")


@cli.command()
@click.argument("name", default="input", type=click.Choice(["input", "config", "rule"]))
def schema(name):
    """Print a JSON Schema: input (the YAML format), config, or rule (declarative rules)."""
    from dmlint.engine import builtin_schemas_dir

    click.echo((builtin_schemas_dir() / f"{name}.schema.json").read_text(encoding="utf-8"), nl=False)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--exclude", multiple=True)
def show(paths, fmt, config_path, exclude):
    """What dmlint understood: the normalised VM and host records."""
    from dmlint.show import render_records

    settings, cfg_path = _settings(config_path)
    result, _ = _common_run(paths, settings, cfg_path, select=(), ignore=(), hyperv_version=None, exclude=exclude, rules_dirs=(), jobs=None, scopes=("input",))
    click.echo(render_records(result.vms, result.hosts, fmt), nl=False)
    for f in result.findings:
        from dmlint.report.escape import human
        from dmlint.report.text import where

        click.echo(f"{where(f.location)}: {f.rule} {human(f.message)}", err=True)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Table format (default text).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None, help="Also write a self-contained HTML report to FILE.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Lowest severity that fails the run (default error).")
@click.option("--ignore", multiple=True, help="Fleet rule IDs or prefixes to disable.")
@click.option("--exclude", multiple=True, help="Glob of paths not to read (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Configuration file.")
def fleet(paths, fmt, html_path, fail_on, ignore, exclude, config_path):
    """The fleet pass alone: every host's memory at a glance (usable, Σ minimum, Σ startup, worst restart gap, N+1)."""
    from dmlint.fleet.table import render_json, render_text
    from dmlint.model import Severity

    settings, cfg_path = _settings(config_path)
    result, registry = _common_run(paths, settings, cfg_path, select=(), ignore=ignore, hyperv_version=None,
                                   exclude=exclude, rules_dirs=(), jobs=None, scopes=("input", "fleet"))
    fleet_result = result.context.fleet  # the pass the run already made: no second parse, no second pass
    findings = result.findings
    if html_path:
        from dmlint.fleet.html import render
        from dmlint.safeio import write_atomic

        _refuse_overwriting_inputs(html_path, result, cfg_path)
        try:
            fleet_ids = {r.id for r in registry.all() if r.scope == "fleet"}
            page = render(fleet_result, [f for f in findings if f.rule in fleet_ids], inputs=result.files)
            write_atomic(html_path, page)
        except OSError as exc:
            raise UsageError(f"cannot write {html_path}: {exc.strerror}") from None
    text = render_json(fleet_result, findings) if fmt == "json" else render_text(fleet_result, findings)
    click.echo(text, nl=False)
    threshold = Severity.parse(fail_on or settings.get("fail-on", "error"))
    sys.exit(EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_OK)


def main(argv=None, prog_name="dmlint"):
    try:
        cli.main(args=argv, prog_name=prog_name, standalone_mode=True)
    except SystemExit:
        raise
