"""YAML input (SPEC §2.1): bytes -> VM and host records, or DM001-DM003.

PyYAML composes the node graph (libyaml's C parser when present), so every value keeps its
line and column. The plain-data view of the document is validated against
`schemas/input.schema.json`; each schema error becomes DM002 at the offending key.
A YAML file with none of the top-level keys `vm`, `vms`, `hosts` is not ours: skipped.
"""

from __future__ import annotations

import json
from functools import lru_cache

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from dmlint.limits import parse_config_version
from dmlint.model import VM, Host, Location, ParseResult, Problem
from dmlint.units import UnitError, parse_int, parse_percent, parse_size
from dmlint.versions import normalise_version
from dmlint.wording import show_value, suggest, type_words

try:  # the C loader is several times faster; the pure-Python one gives the same nodes
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

OUR_KEYS = ("vm", "vms", "hosts")
MAX_NODES = 200_000  # values after alias expansion: refuse alias bombs long before memory is at risk
MAX_DEPTH = 64  # dmlint documents are 4 levels deep; anything far deeper is hostile or a mistake
# Integers: 20 digits hold any 64-bit value (Hyper-V's sizes are 64-bit MB counts); a longer
# literal is refused at the reader (DM003) and never reaches int(), which raises past 4,300
# digits and is quadratic in the digits before that.
MAX_INT_DIGITS = 20
# unknown keys reported one by one (with a did-you-mean from difflib) per mapping; past that,
# one finding counts the rest: 190,000 unknown keys took 7 s of difflib and flooded the report
MAX_UNKNOWN_KEYS = 50
# keys whose plain scalars are always text: YAML 1.1 would read `state: off` as false
TEXT_KEYS = frozenset({"name", "state", "guest_os", "host", "cluster", "notes"})

_constructor = yaml.constructor.SafeConstructor()
_SCALARS = {
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": lambda node: None,
}


class _Refused(Exception):
    def __init__(self, message: str, node):
        super().__init__(message)
        self.node = node


class LimitExceeded(yaml.YAMLError):
    """A document past MAX_NODES values or MAX_DEPTH levels; a YAMLError, so a caller that
    reports YAML errors reports this one too. `mark` is where the limit was reached."""

    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.problem_mark = mark


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def _count_events(data: bytes, loader=None) -> None:
    """Count the values while libyaml parses, before anything is composed, and stop at
    MAX_NODES: a 63 MB `vms:` list is refused after 200,000 events, not after composing
    gigabytes of nodes. Every value takes at least one byte, so a file shorter than MAX_NODES
    bytes cannot pass the limit and is not counted (the common case pays nothing).
    Raises LimitExceeded, or the YAMLError the composer would have raised."""
    if len(data) <= MAX_NODES:
        return
    parser = (loader or _Loader)(data)
    try:
        count = depth = 0
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > MAX_NODES:
                    raise LimitExceeded(f"document has more than {MAX_NODES} values", event.start_mark)
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise LimitExceeded(f"document is nested more than {MAX_DEPTH} levels deep", event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        parser.dispose()


def _expanded_size_ok(node) -> None:
    """Walk the node graph as its aliases expand (iteratively), stopping at MAX_NODES."""
    count = 0
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise LimitExceeded(f"document expands to more than {MAX_NODES} values (a YAML alias bomb?)", current.start_mark)
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"document is nested more than {MAX_DEPTH} levels deep", current.start_mark)
        if isinstance(current, SequenceNode):
            stack.extend((item, depth + 1) for item in current.value)
        elif isinstance(current, MappingNode):
            for k, v in current.value:
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))


def load_bounded(data: bytes):
    """yaml.safe_load within the reader's limits, for the YAML dmlint reads besides VM files
    (.dmlint.yaml, declarative rules): values counted while parsing, aliases counted as they
    expand, before any Python object is built. Raises yaml.YAMLError (LimitExceeded included)."""
    _count_events(data)
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size_ok(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _pos(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


class _Converter:
    """Node graph -> plain data, remembering where each key and value was written."""

    def __init__(self):
        self.count = 0
        self.keys: dict[tuple, tuple[int, int]] = {}  # path -> position of the key
        self.values: dict[tuple, tuple[int, int]] = {}  # path -> position of the value
        self.duplicates: list[tuple[tuple, str]] = []  # (path of the key, message)
        self.too_long: dict[tuple, int] = {}  # path -> length of an integer literal past MAX_INT_DIGITS

    def convert(self, node, path: tuple, depth: int):
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(f"document expands to more than {MAX_NODES} values (a YAML alias bomb?)", node)
        if depth > MAX_DEPTH:
            raise _Refused(f"document is nested more than {MAX_DEPTH} levels deep", node)
        self.values[path] = _pos(node.start_mark)
        if isinstance(node, ScalarNode):
            make = _SCALARS.get(node.tag)
            if make is None:
                return node.value
            if len(node.value) > MAX_INT_DIGITS + 4 and node.tag == "tag:yaml.org,2002:int":
                # sign, base prefix and `_` separators allowed for; int() is never called on it
                self.too_long[path] = len(node.value)
                return f"<integer of {len(node.value)} characters>"
            try:
                value = make(node)
            except (ValueError, OverflowError, yaml.YAMLError):
                return node.value
            if isinstance(value, float) and value != value:  # NaN: keep text, rules reject it
                return node.value
            return value
        if isinstance(node, SequenceNode):
            return [self.convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out = {}
            merged_parts = []
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    key = key_node.value
                else:
                    key = f"<{type(key_node).__name__.replace('Node', '').lower()} key>"
                if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                    merged = self.convert(value_node, path, depth + 1)
                    merged_parts.extend(merged if isinstance(merged, list) else [merged])
                    continue
                if key in out:
                    self.duplicates.append(
                        (path + (key,), f"duplicate key {key!r}", _pos(key_node.start_mark))
                    )
                self.keys[path + (key,)] = _pos(key_node.start_mark)
                if key in TEXT_KEYS and isinstance(value_node, ScalarNode) and value_node.tag != "tag:yaml.org,2002:null":
                    # `state: off`, `host: no`, `name: 2019` mean text, not YAML 1.1 booleans/numbers
                    self.count += 1
                    self.values[path + (key,)] = _pos(value_node.start_mark)
                    out[key] = value_node.value
                    continue
                out[key] = self.convert(value_node, path + (key,), depth + 1)
            for part in merged_parts:  # explicit keys win over merged ones (YAML merge semantics)
                if isinstance(part, dict):
                    for k, v in part.items():
                        out.setdefault(k, v)
            return out
        return None  # pragma: no cover - composer only makes the three node kinds


@lru_cache(maxsize=1)
def _schema():
    from dmlint.engine import builtin_schemas_dir

    with open(builtin_schemas_dir() / "input.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def _fast_check():
    """fastjsonschema compiles the schema to Python: about 50x faster than jsonschema on a
    valid document, which is nearly every document. jsonschema (complete error lists with
    paths) runs only when this says a document is invalid; a test checks they agree."""
    import fastjsonschema

    compiled = fastjsonschema.compile(_schema())

    def is_valid(doc) -> bool:
        try:
            compiled(doc)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # imported only when a file of ours is found: keeps start-up short

    return jsonschema.Draft202012Validator(_schema())


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return schema["$defs"][ref[len("#/$defs/"):]]
    return node


def _dotted(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def _schema_problems(doc, conv: _Converter, display: str) -> list[Problem]:
    problems = []
    schema = _schema()
    for err in _validator().iter_errors(doc):
        path = tuple(err.absolute_path)
        where = _dotted(path)
        if err.validator == "additionalProperties":
            allowed = sorted(_resolve(schema, err.schema).get("properties", {}))
            unknown = [key for key in err.instance if key not in allowed]
            for key in unknown[:MAX_UNKNOWN_KEYS]:
                line, col = conv.keys.get(path + (key,), conv.values.get(path, (1, 1)))
                close = suggest(str(key), allowed)
                hint = f" (did you mean {close!r}?)" if close else f" (allowed: {', '.join(allowed)})"
                problems.append(Problem("DM002", f"unknown key {show_value(str(key))} in {where}{hint}", Location(display, line, col), vm=_vm_name(doc, path)))
            if len(unknown) > MAX_UNKNOWN_KEYS:
                key = unknown[MAX_UNKNOWN_KEYS]
                line, col = conv.keys.get(path + (key,), conv.values.get(path, (1, 1)))
                problems.append(Problem("DM002", f"{len(unknown) - MAX_UNKNOWN_KEYS} more unknown keys in {where}, from {show_value(str(key))} on (only the first {MAX_UNKNOWN_KEYS} are listed; allowed: {', '.join(allowed)})", Location(display, line, col), vm=_vm_name(doc, path)))
            continue
        line, col = conv.values.get(path, (1, 1))
        if path and err.validator in ("type", "enum", "minLength"):
            line, col = conv.values.get(path, conv.keys.get(path, (1, 1)))
        if err.validator == "required":
            message = f"{where} lacks the required key: {err.message.split(' is a required')[0]}"
        elif err.validator == "type":
            message = f"{where}: {show_value(err.instance)} is not {type_words(err.validator_value)}"
        elif err.validator == "enum":
            choices = ", ".join(dict.fromkeys(str(v) for v in err.validator_value))
            message = f"{where}: {show_value(err.instance)} is not one of {choices}"
        elif err.validator == "minLength":
            message = f"{where}: must not be empty"
        else:  # no validator the input schema uses today; never let jsonschema's repr through
            message = f"{where}: {show_value(err.instance)} does not match the input format ({err.validator})"
        problems.append(Problem("DM002", message, Location(display, line, col), vm=_vm_name(doc, path)))
    return problems


def _vm_name(doc, path: tuple) -> str | None:
    """The name of the VM a schema error lies in (vm.* or vms[i].*), when it has one."""
    entry = None
    if path[:1] == ("vm",) and isinstance(doc, dict):
        entry = doc.get("vm")
    elif len(path) >= 2 and path[0] == "vms" and isinstance(doc, dict) and isinstance(doc.get("vms"), list):
        if isinstance(path[1], int) and path[1] < len(doc["vms"]):
            entry = doc["vms"][path[1]]
    name = entry.get("name") if isinstance(entry, dict) else None
    return name if isinstance(name, str) and name else None


_VM_MEMORY_FIELDS = {
    # yaml key -> (record field, parser)
    "startup": ("startup", parse_size),
    "minimum": ("minimum", parse_size),
    "maximum": ("maximum", parse_size),
    "demand": ("demand", parse_size),
    "buffer": ("buffer", parse_percent),
    "weight": ("weight", lambda raw: parse_int(raw, "weight")),
}


def _loc(conv: _Converter, display: str, path: tuple) -> Location:
    line, col = conv.values.get(path, conv.keys.get(path, (0, 0)))
    return Location(display, line, col)


def _build_vm(entry, path: tuple, conv: _Converter, display: str, problems: list) -> VM | None:
    if not isinstance(entry, dict):
        return None  # the schema already reported it
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        name = f"<unnamed VM at line {conv.values.get(path, (0, 0))[0]}>"
    vm = VM(name=name, source=_loc(conv, display, path), fmt="yaml")
    where = vm.where
    for key in ("name", "generation", "hyperv_version", "guest_os", "host", "state", "clustered", "notes"):
        if key in entry:
            where[key] = _loc(conv, display, path + (key,))
    if entry.get("generation") in (1, 2):
        vm.generation = entry["generation"]
    version = normalise_version(entry.get("hyperv_version"))
    if version:
        vm.hyperv_version = version
    if "config_version" in entry:
        vm.config_version = _config_version(entry["config_version"], _loc(conv, display, path + ("config_version",)), vm, problems)
    for key in ("guest_os", "host", "notes"):
        if isinstance(entry.get(key), str):
            setattr(vm, key, entry[key])
    if entry.get("state") in ("running", "off", "saved", "paused"):
        vm.state = entry["state"]
    if isinstance(entry.get("clustered"), bool):
        vm.clustered = entry["clustered"]
    memory = entry.get("memory")
    if isinstance(memory, dict):
        mpath = path + ("memory",)
        where["memory"] = _loc(conv, display, mpath)
        if isinstance(memory.get("dynamic"), bool):
            vm.dynamic = memory["dynamic"]
            where["dynamic"] = _loc(conv, display, mpath + ("dynamic",))
        for key, (attr, parse) in _VM_MEMORY_FIELDS.items():
            if key not in memory or isinstance(memory[key], (list, dict)):
                continue
            loc = _loc(conv, display, mpath + (key,))
            where[attr] = loc
            if mpath + (key,) in conv.too_long:
                continue  # reported as DM003 already
            try:
                setattr(vm, attr, parse(memory[key]))
                if isinstance(memory[key], str):
                    vm.written[attr] = memory[key]
            except UnitError as exc:
                problems.append(Problem("DM003", f"{attr}: {exc}", loc, vm=name))
    return vm


def _config_version(raw, loc: Location, vm: VM, problems: list) -> str | None:
    """'9.0' / 9.0 -> '9.0'; anything else is DM002 (a wrong type is already reported by the schema)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return None
    cv = parse_config_version(raw) if not isinstance(raw, int) or raw < 256 else None
    vm.where["config_version"] = loc
    if cv is None:
        problems.append(Problem("DM002", f"config_version: {raw!r} is not a configuration version (major.minor, e.g. 9.0)", loc, vm=vm.name))
        return None
    return f"{cv[0]}.{cv[1]}"


def _build_host(entry, path: tuple, conv: _Converter, display: str, problems: list) -> Host | None:
    if not isinstance(entry, dict):
        return None
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        name = f"<unnamed host at line {conv.values.get(path, (0, 0))[0]}>"
    host = Host(name=name, source=_loc(conv, display, path))
    for key in ("name", "cluster", "hyperv_version"):
        if key in entry:
            host.where[key] = _loc(conv, display, path + (key,))
    if isinstance(entry.get("cluster"), str):
        host.cluster = entry["cluster"]
    host.hyperv_version = normalise_version(entry.get("hyperv_version"))
    for key in ("memory", "reserve"):
        if key in entry and not isinstance(entry[key], (list, dict)):
            loc = _loc(conv, display, path + (key,))
            host.where[key] = loc
            if path + (key,) in conv.too_long:
                continue  # reported as DM003 already
            try:
                setattr(host, key, parse_size(entry[key]))
                if isinstance(entry[key], str):
                    host.written[key] = entry[key]
            except UnitError as exc:
                problems.append(Problem("DM003", f"host {key}: {exc}", loc))
    return host


def _mark_location(display: str, exc) -> Location:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return Location(display, mark.line + 1, mark.column + 1)
    if isinstance(exc, yaml.reader.ReaderError):
        return Location(display, 0, 0, key=f"byte {exc.position}")
    return Location(display, 1, 1)


def _describe(exc) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"not valid text: {exc.reason} at byte {exc.position}"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    text = f"{context}, {problem}" if context else problem
    return f"YAML syntax error: {text}"


def read(data: bytes, display: str) -> ParseResult:
    """Never raises: every failure becomes a problem on the result."""
    result = ParseResult()
    try:
        _count_events(data)
        documents = list(yaml.compose_all(data, Loader=_Loader))
    except LimitExceeded as exc:
        result.ours = _looks_ours(data)
        if result.ours:
            result.problems.append(Problem("DM001", f"refused: {exc}", _mark_location(display, exc)))
        return result
    except yaml.YAMLError as exc:
        # a broken YAML file is reported only when it looks like ours: infrastructure repos
        # hold templated YAML (Jinja, Helm) that is not valid YAML and not our business
        # Text that is not valid in any YAML encoding is reported whatever it holds.
        result.ours = isinstance(exc, yaml.reader.ReaderError) or _looks_ours(data)
        if result.ours:
            result.problems.append(Problem("DM001", _describe(exc), _mark_location(display, exc)))
            _suppressions(result, data)
        return result
    except (RecursionError, MemoryError):
        result.problems.append(Problem("DM001", "document is nested too deeply to read", Location(display, 1, 1)))
        return result
    ours_any = False
    for index, root in enumerate(documents):
        if not isinstance(root, MappingNode):
            continue
        claimed, near = _claim(root)
        if not claimed:
            for key_node, meant in near:  # `vmss:`, `VM:`: a typo must not skip the file silently
                ours_any = True
                line, col = _pos(key_node.start_mark)
                result.problems.append(Problem("DM002", f"unknown top-level key {show_value(key_node.value)} (did you mean {meant!r}?): nothing in this document was checked", Location(display, line, col)))
            continue
        ours_any = True
        conv = _Converter()
        try:
            doc = conv.convert(root, (), 0)
        except _Refused as exc:
            line, col = _pos(exc.node.start_mark)
            result.problems.append(Problem("DM001", f"refused: {exc}", Location(display, line, col)))
            continue
        except RecursionError:
            result.problems.append(Problem("DM001", "refused: document is nested too deeply", Location(display, 1, 1)))
            continue
        for path in conv.too_long:
            line, col = conv.values.get(path, (1, 1))
            result.problems.append(Problem("DM003", f"{_dotted(path)}: an integer of {conv.too_long[path]} characters, longer than any 64-bit value ({MAX_INT_DIGITS} digits): not read", Location(display, line, col)))
        for path, message, (line, col) in conv.duplicates:
            result.problems.append(Problem("DM002", f"{_dotted(path[:-1])}: {message}", Location(display, line, col)))
        if not _fast_check()(doc):
            result.problems.extend(_schema_problems(doc, conv, display))
        if isinstance(doc.get("vm"), dict):
            vm = _build_vm(doc["vm"], ("vm",), conv, display, result.problems)
            if vm:
                result.vms.append(vm)
        if isinstance(doc.get("vms"), list):
            for i, entry in enumerate(doc["vms"]):
                vm = _build_vm(entry, ("vms", i), conv, display, result.problems)
                if vm:
                    result.vms.append(vm)
        if isinstance(doc.get("hosts"), list):
            for i, entry in enumerate(doc["hosts"]):
                host = _build_host(entry, ("hosts", i), conv, display, result.problems)
                if host:
                    result.hosts.append(host)
    result.ours = ours_any
    if ours_any:
        _suppressions(result, data)
    return result


def _suppressions(result: ParseResult, data: bytes) -> None:
    from dmlint.suppress import yaml_directives

    result.line_suppressions, result.file_suppressions = yaml_directives(data, _Loader)


_RECORD_KEYS = frozenset({"name", "memory"})


def _record_like(node) -> bool:
    """A mapping with `name` or `memory`, or a list holding one: the shape of dmlint's records."""
    if isinstance(node, SequenceNode):
        node = next((item for item in node.value[:100] if isinstance(item, MappingNode)), None)
    return isinstance(node, MappingNode) and any(
        isinstance(k, ScalarNode) and k.value in _RECORD_KEYS for k, _ in node.value
    )


def _claim(root: MappingNode) -> tuple[bool, list]:
    """Is this document dmlint's? (claimed, [(key node, the key it nearly is)]).

    `vm:` and `vms:` claim it. `hosts:` claims it only in dmlint's shape (a list of mappings
    with name/memory, or an empty list): an Ansible inventory's `hosts: {web1.example.com: ...}`
    or a client config's `hosts: [db1:5432]` is someone else's. A key that nearly is one of ours
    (another case, one letter off) with record-shaped content is a typo, reported as such."""
    claimed, near = False, []
    for key_node, value in root.value:
        if not isinstance(key_node, ScalarNode):
            continue
        key = key_node.value
        if key in ("vm", "vms"):
            claimed = True
        elif key == "hosts":
            if _record_like(value) or (isinstance(value, SequenceNode) and not value.value):
                claimed = True
        elif 2 <= len(key) <= 8 and _record_like(value):
            meant = suggest(key, OUR_KEYS, cutoff=0.75)
            if meant:
                near.append((key_node, meant))
    return claimed, near


def _looks_ours(data: bytes) -> bool:
    """For a file that does not parse: does any line start with one of our top-level keys?"""
    starts = tuple(key.encode() + b":" for key in OUR_KEYS)
    pos = 0
    for _ in range(10000):  # the first lines, found one at a time (no split of a 64 MB file)
        if data.startswith(starts, pos):
            return True
        nl = data.find(b"\n", pos)
        if nl < 0:
            return False
        pos = nl + 1
    return False
