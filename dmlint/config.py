"""Find and merge the configuration: [tool.dmlint] in pyproject.toml or .dmlint.yaml.

The nearest file upward from the current directory wins (a pyproject.toml without a
[tool.dmlint] table does not count); --config names one explicitly. Command-line options
override the file. The file is validated against schemas/config.schema.json.
"""

from __future__ import annotations

import json
from pathlib import Path

CONFIG_NAMES = (".dmlint.yaml", ".dmlint.yml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration problem: exit code 2."""


def _load_toml(path: Path) -> dict | None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return data.get("tool", {}).get("dmlint")


def _load_yaml(path: Path) -> dict:
    import yaml

    try:
        with open(path, "rb") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of options")
    return data


def load_file(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
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

        raise ConfigError("\n".join(f"{origin}: {schema_error(err)}" for err in errors[:10]))


def find(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    if _load_toml(candidate) is None:
                        continue
                except ConfigError:
                    continue
            return candidate
    return None


def load(explicit: str | None = None, start: Path | None = None) -> tuple[dict, Path | None]:
    """Return (settings, the file they came from or None)."""
    path = Path(explicit) if explicit else find(start)
    if path is None:
        return {}, None
    return load_file(path), path
