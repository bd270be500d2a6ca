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

    def __init__(self, message: str, *, lines=None):
        """`lines`: several messages, one per line (each escaped on its own)."""
        from dmlint.report.escape import human

        # names and keys from a checked repository's config: escaped, a newline included
        super().__init__("\n".join(human(m) for m in lines) if lines else human(message))


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
        raise UsageError(str(exc), lines=exc.lines) from None


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


def _common_run(paths, settings, cfg_path, *, select, ignore, hyperv_version, exclude, rules_dirs, jobs, stdin_filename=None, git_base=None, scopes=None, project_context=False, show_progress=False):
    """Shared by check, show and fleet: config + options -> RunResult. `scopes` limits the rules to those scopes."""
    from dmlint.discover import Candidate, discover, format_of
    from dmlint.engine import RuleLoadError
    from dmlint.pipeline import Options, run
    from dmlint.versions import normalise_version

    base = cfg_path.parent if cfg_path else Path.cwd()
    rule_dirs = [str((base / d).resolve()) for d in settings.get("rules", [])] + list(rules_dirs)
    registry = _load_registry(rule_dirs)
    cli_select, cli_ignore = _split(select), _split(ignore)
    try:
        registry.check_selectors(cli_select + cli_ignore)
        for key in ("select", "ignore"):  # a bad selector in the file is blamed on the file
            registry.check_selectors(list(settings.get(key, [])), f"{cfg_path}: {key}")
    except RuleLoadError as exc:
        raise UsageError(str(exc)) from None
    select = cli_select or settings.get("select", [])
    ignore = cli_ignore + list(settings.get("ignore", []))
    if scopes:  # show and fleet: the rules of their scopes, narrowed by --select/--ignore only
        in_scope = {r.id for r in registry.all() if r.scope in scopes}
        selected = in_scope & registry.selected(cli_select, ignore)
    else:
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
    context = []
    if project_context and any(c.explicit for c in candidates):  # pre-commit names only changed files
        from dmlint.project import context_candidates, project_root

        context, note = context_candidates(candidates, project_root(cfg_path), excludes)
        if note and project_context != "quiet":
            click.echo(f"note: {note}", err=True)
    from dmlint.progress import Progress

    bar = Progress(len(candidates), show_progress)
    try:
        result = run(
            candidates,
            registry,
            selected,
            options,
            jobs=jobs or settings.get("jobs", 1),
            per_file_ignores=settings.get("per-file-ignores", {}),
            mappings=settings.get("mappings"),
            context=context,
            progress=bar.update if bar.enabled else None,
        )
    finally:
        bar.close()
        if tmp:
            os.unlink(tmp)
    return result, registry


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dmlint")
def cli():
    """dmlint: lint Hyper-V virtual machine memory configuration."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "--output-format", "fmt", type=click.Choice(["text", "full", "json", "sarif", "junit", "github", "gitlab"]), default=None, help="Output format (default text; github when GITHUB_ACTIONS=true). full: each finding with its source line and a caret under the value.")
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
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the run (usage errors still exit 2).")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings and nothing else: no summary, notes or progress.")
def check(paths, fmt, output, select, ignore, fail_on, hyperv_version, exclude, config_path, rules_dirs, jobs, stdin_filename, base, no_color, baseline_path, write_baseline_path, statistics, exit_zero, quiet):
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
    result, registry = _common_run(paths, settings, cfg_path, select=select, ignore=ignore, hyperv_version=hyperv_version, exclude=exclude, rules_dirs=rules_dirs, jobs=jobs, stdin_filename=stdin_filename, git_base=base, project_context="quiet" if quiet else True,
                                   show_progress=_progress_wanted(quiet, fmt or settings.get("format") or "text", output))
    if not quiet:
        _unrecognised_notes(result)
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
    fmt = fmt or settings.get("format") or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    threshold = Severity.parse(fail_on or settings.get("fail-on", "error"))
    out_stream = sys.stdout
    color = fmt in ("text", "full") and output is None and _use_color(no_color, out_stream)
    from dmlint.report import full as human

    if statistics:
        text = human.statistics(findings, registry)
    elif fmt == "full":
        text = human.render(findings, result.parsed, registry, color=color, files=result.files, quiet=quiet)
    else:
        text = render(findings, fmt, color=color, registry=registry, files=result.files)
        if fmt == "text":
            text = human.quiet_text(text, findings) if quiet else text + human.rule_links(findings, registry)
    if known is not None and fmt in ("text", "full") and not quiet and not statistics:
        text += _baseline_note(baselined, len(known) - baselined, baseline_path)
    _emit(text, output, result, cfg_path, baseline_path if known is not None else None)
    failed = any(f.severity >= threshold for f in findings)
    sys.exit(EXIT_FINDINGS if failed and not exit_zero else EXIT_OK)


def _progress_wanted(quiet, fmt, output) -> bool:
    from dmlint.progress import wanted

    return wanted(quiet=quiet, fmt=fmt, output=output)


def _unrecognised_notes(result) -> None:
    """A file named on the command line that holds no dmlint input is said so (on stderr)."""
    from dmlint.wording import printable

    for display, fmt in result.unrecognised:
        why = " (no top-level vm:, vms: or hosts: with name/memory entries)" if fmt == "yaml" else " (no VM configuration in it)"
        click.echo(f"note: {printable(display)}: not dmlint input{why}: not checked", err=True)


def _baseline_note(matched: int, stale: int, path: str) -> str:
    note = f"{matched} baselined finding{'s' if matched != 1 else ''} not shown ({path})."
    if stale:
        note += (
            f" {stale} baseline entr{'ies' if stale != 1 else 'y'} no longer match{'' if stale != 1 else 'es'}"
            f" (fixed or changed): run with --write-baseline {path} to drop {'them' if stale != 1 else 'it'}."
        )
    return note + "\n"


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", help="Output format (default text).")
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
    from dmlint.report.escape import human as plain, human_lines

    text = f"{rule.id} {rule.name} ({rule.severity})\n\n{plain(rule.summary)}\n\n{human_lines(rule.doc)}"
    if rule.source and rule.source not in rule.doc:  # once: most docstrings' Source section names it
        headings = [line for line in rule.doc.rstrip().splitlines() if line and not line[0].isspace()]
        ends_with_source = bool(headings) and headings[-1].strip() == "Source"
        text += f"\n    {plain(rule.source)}" if ends_with_source else f"\n\nSource: {plain(rule.source)}"
    if guest is not None:
        from dmlint.catalog import load_catalog
        from dmlint.guest_facts import describe_guest

        report, problem = describe_guest(load_catalog(), guest)
        if problem:
            raise UsageError(problem)
        text += f"\n\n{human_lines(report)}"
    click.echo(text)


@cli.command()
@click.argument("name", default="input", type=click.Choice(["input", "config", "rule"]))
def schema(name):
    """Print a JSON Schema: input (the YAML format), config, or rule (declarative rules)."""
    from dmlint.engine import builtin_schemas_dir

    click.echo((builtin_schemas_dir() / f"{name}.schema.json").read_text(encoding="utf-8"), nl=False)


def _like_check(command):
    """The options `fleet` and `show` share with `check` (same names, same meaning)."""
    for option in reversed((
        click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None, help="Write the output to FILE."),
        click.option("--select", multiple=True, help="Rule IDs or prefixes whose findings to report (as in check)."),
        click.option("--hyperv-version", default=None, help="Host version assumed where none is given: 2012, 2012r2, 2016, 2019, 2022, 2025."),
        click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra rule-pack directory (repeatable)."),
        click.option("--no-color", is_flag=True, help="No colour (also NO_COLOR); this output has none, accepted as in check."),
    )):
        command = option(command)
    return command


def _emit(text: str, output, result=None, cfg_path=None, *others) -> None:
    """Write a report to --output (atomically, never over a file the run read) or stdout."""
    if output:
        from dmlint.safeio import write_atomic

        if result is not None:
            _refuse_overwriting_inputs(output, result, cfg_path, *others)
        try:
            write_atomic(output, text)  # a failure leaves the previous report whole
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", help="Output format (default table).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Configuration file (default: nearest .dmlint.yaml or [tool.dmlint]).")
@click.option("--exclude", multiple=True, help="Glob of paths not to read (repeatable).")
@_like_check
def show(paths, fmt, config_path, exclude, output, select, hyperv_version, rules_dirs, no_color):
    """What dmlint understood: the normalised VM and host records."""
    from dmlint.show import render_records

    settings, cfg_path = _settings(config_path)
    result, _ = _common_run(paths, settings, cfg_path, select=select, ignore=(), hyperv_version=hyperv_version, exclude=exclude, rules_dirs=rules_dirs, jobs=None, scopes=("input",))
    _emit(render_records(result.vms, result.hosts, fmt, version_of=result.context.hyperv_version), output, result, cfg_path)
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
@_like_check
def fleet(paths, fmt, html_path, fail_on, ignore, exclude, config_path, output, select, hyperv_version, rules_dirs, no_color):
    """The fleet pass alone: every host's memory at a glance (usable, Σ minimum, Σ startup, worst restart gap, N+1)."""
    from dmlint.fleet.table import render_json, render_text
    from dmlint.model import Severity

    settings, cfg_path = _settings(config_path)
    result, registry = _common_run(paths, settings, cfg_path, select=select, ignore=ignore, hyperv_version=hyperv_version,
                                   exclude=exclude, rules_dirs=rules_dirs, jobs=None, scopes=("input", "fleet"))
    fleet_result = result.context.fleet  # the pass the run already made: no second parse, no second pass
    findings = result.findings
    fleet_ids = {r.id for r in registry.all() if r.scope == "fleet"}
    if html_path:
        from dmlint.fleet.html import render
        from dmlint.safeio import write_atomic

        _refuse_overwriting_inputs(html_path, result, cfg_path)
        try:
            page = render(fleet_result, [f for f in findings if f.rule in fleet_ids], inputs=result.files)
            write_atomic(html_path, page)
        except OSError as exc:
            raise UsageError(f"cannot write {html_path}: {exc.strerror}") from None
    text = render_json(fleet_result, findings) if fmt == "json" else render_text(fleet_result, findings, fleet_ids)
    _emit(text, output, result, cfg_path)
    threshold = Severity.parse(fail_on or settings.get("fail-on", "error"))
    sys.exit(EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_OK)


def main(argv=None, prog_name="dmlint"):
    try:
        cli.main(args=argv, prog_name=prog_name, standalone_mode=True)
    except SystemExit:
        raise
