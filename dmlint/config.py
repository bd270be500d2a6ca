"""Find and merge the configuration: [tool.dmlint] in pyproject.toml or .dmlint.yaml.

The nearest file upward from the current directory wins (a pyproject.toml without a
[tool.dmlint] table does not count); --config names one explicitly. Command-line options
override the file. The file is validated against schemas/config.schema.json.

A config file is read like an input (dmlint.safeio.read_regular: a regular file of at most
64 MB, a FIFO or device never opened); one that cannot be read or parsed — including a
malformed pyproject.toml on the way up — is a configuration error (exit 2) naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CONFIG_NAMES = (".dmlint.yaml", ".dmlint.yml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration problem: exit code 2. `lines`: several problems, one message each."""

    def __init__(self, message: str, lines=None):
        super().__init__(message)
        self.lines = lines


def _read(path: Path) -> bytes:
    from dmlint.safeio import describe_error, read_regular

    try:
        return read_regular(path)
    except OSError as exc:
        raise ConfigError(f"{path}: {describe_error(exc)}") from None


def _load_toml(path: Path) -> dict | None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    raw = _read(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:  # TOML is UTF-8 (toml.io, v1.0.0 "Spec"): a UTF-16 file is not TOML
        raise ConfigError(f"{path}: not UTF-8 text (TOML files are UTF-8): byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigError(f"{path}: nested too deeply to parse") from None
    tool = data.get("tool", {})
    section = tool.get("dmlint") if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.dmlint] must be a table")
    return section


def _load_yaml(path: Path) -> dict:
    import yaml

    from dmlint.readers.yaml_reader import load_bounded

    raw = _read(path)  # a regular file, bounded (see _read)
    try:
        data = load_bounded(raw)  # the reader's value and alias limits (alias bombs)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to parse") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of options")
    return data


def load_file(path: Path) -> dict:
    path = Path(path)
    if not os.path.lexists(path):
        raise ConfigError(f"{path}: configuration file not found")
    data = _load_toml(path) if path.suffix == ".toml" else _load_yaml(path)
    data = data or {}
    validate(data, str(path))
    return data


def validate(data: dict, origin: str) -> None:
    import jsonschema

    from dmlint.engine import builtin_schemas_dir

    with open(builtin_schemas_dir() / "config.schema.json", encoding="utf-8") as fh:
        schema = json.load(fh)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        from dmlint.wording import schema_error

        lines = [f"{origin}: {schema_error(err)}" for err in errors[:10]]
        raise ConfigError("\n".join(lines), lines=lines)


def find(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if not os.path.lexists(candidate):
                continue
            # anything by that name is read (a FIFO or broken file is exit 2, never skipped
            # for a config further up); a pyproject.toml counts only with a [tool.dmlint]
            if name == "pyproject.toml" and _load_toml(candidate) is None:
                continue
            return candidate
    return None


def load(explicit: str | None = None, start: Path | None = None) -> tuple[dict, Path | None]:
    """Return (settings, the file they came from or None)."""
    path = Path(explicit) if explicit else find(start)
    if path is None:
        return {}, None
    return load_file(path), path
