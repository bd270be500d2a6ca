"""What the Terraform and Packer HCL readers share: reading the other files of a module
directory (bounded, regular files only, inside the checked tree), variables with their
defaults and `optional()` object defaults, variable files (tfvars / pkrvars), lazily evaluated
locals, and byte counts -> MB.

A module's meaning is spread over its directory (`variables.tf`, `locals.tf`, `main.tf`,
`terraform.tfvars`), so the reader of one `.tf` file reads its siblings too. Parsed files are
cached per process by content, and a directory by the names, sizes and mtimes of its files,
so a directory of n files is parsed n times in total, not n^2 (the caches are small:
files arrive sorted by path, so a directory's files come one after the other).

Bounds: at most MAX_DIR_FILES HCL files per directory are read, each at most MAX_HCL_BYTES
= 1 MB (python-hcl2's Lark parser reads about 0.2 MB of HCL per second on a busy 2-core
machine, measured on a 0.5 MB file of generated resources: a 1 MB file costs ~5 s; real
module files are a few KB: the largest of 92 in fsdrw08/SoloLab is 14 KB). A larger
file is DM001, unparsed; past the file count the values that needed a file are DM006.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
import posixpath
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dmlint.model import Location, Problem
from dmlint.readers.hcl_eval import (
    Block,
    Evaluator,
    HCLSyntaxError,
    Scope,
    TooLarge,
    Unknown,
    body_of,
    decode,
    describe,
    parse_tree,
)

MAX_HCL_BYTES = 1024 * 1024
MAX_DIR_FILES = 256
MAX_INSTANCES = 1000  # count / for_each instances per resource or module call
MIB = 1024 * 1024


@lru_cache(maxsize=None)
def load_data(name: str) -> dict:
    """rules/data/<name>: the provider's / plugin's defaults, each with its source."""
    import yaml

    from dmlint.engine import builtin_rules_dir

    with open(builtin_rules_dir() / "data" / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def figure(data: dict, section: str, key: str):
    return data[section][key]["value"]


# --- files -----------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    display: str
    root: Block | None
    tree: object = None
    text: str = ""
    error: HCLSyntaxError | None = None


# Small caches: files arrive sorted by path, so a directory's files are read one after the
# other and a few entries serve them all. Keeping every parsed tree for the whole run would
# make each garbage collection walk all of them (measured: 2.6x slower at 2,000 files).
_PARSE_CACHE: "OrderedDict" = OrderedDict()
_PARSE_CACHE_SIZE = 64


def parse_file(data: bytes, display: str) -> ParsedFile:
    """Bytes -> ParsedFile (cached by content and display path)."""
    key = (display, data)
    hit = _PARSE_CACHE.get(key)
    if hit is not None:
        _PARSE_CACHE.move_to_end(key)
        return hit
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        pf = ParsedFile(display, None, error=HCLSyntaxError(f"not UTF-8 text (byte {exc.start})", 0, 0))
    else:
        try:
            tree = parse_tree(text)
            pf = ParsedFile(display, body_of(tree, display), tree, text)
        except HCLSyntaxError as exc:
            pf = ParsedFile(display, None, text=text, error=exc)
    _PARSE_CACHE[key] = pf
    if len(_PARSE_CACHE) > _PARSE_CACHE_SIZE:
        _PARSE_CACHE.popitem(last=False)
    return pf


def start(data: bytes, display: str, markers: tuple) -> tuple[ParsedFile | None, "ParseResult"]:
    """The common first steps of an HCL reader: a file that names none of `markers` (and holds
    no dmlint comment) is skipped unparsed; a syntax error is DM001 only in a file that names
    one of them (an unrelated broken .tf file is not dmlint's business); suppression comments
    are read from the comment tokens. Returns (None, result) when there is nothing more to do."""
    from dmlint.model import ParseResult
    from dmlint.readers.hcl_eval import comment_suppressions

    relevant = any(m in data for m in markers)
    if not relevant and b"dmlint" not in data:
        return None, ParseResult(ours=False)
    if len(data) > MAX_HCL_BYTES:
        result = ParseResult(ours=relevant)
        if relevant:
            result.problems.append(Problem("DM001", f"HCL file is larger than {MAX_HCL_BYTES // MIB} MB ({len(data)} bytes): not parsed", Location(display, 0, 0)))
        return None, result
    pf = parse_file(data, display)
    result = ParseResult(ours=relevant)
    if pf.error is not None:
        if relevant:
            result.problems.append(syntax_problem(pf))
        return None, result
    result.line_suppressions, result.file_suppressions = comment_suppressions(pf.tree, pf.text)
    return (pf if relevant else None), result


def read_regular(path: str) -> bytes | None:
    """A regular file's bytes, at most MAX_HCL_BYTES; None for a link, anything not a regular
    file, or what cannot be read (dmlint.safeio.read_regular does the bounded read)."""
    from dmlint import safeio

    if os.path.islink(path):  # a module's sibling files are read only as themselves
        return None
    try:
        return safeio.read_regular(path, MAX_HCL_BYTES)
    except OSError:
        return None


def tree_root(path: Path) -> Path:
    """The checked tree a module source may not leave: the git work tree that holds the file
    (`cd envs/prod && dmlint check .` still follows `../../modules/vm`), else the working
    directory when the file is inside it, else the file's own directory."""
    return _tree_root(str(path.resolve().parent), os.getcwd())


@lru_cache(maxsize=256)
def _tree_root(here_s: str, cwd_s: str) -> Path:
    here = Path(here_s)
    for parent in [here, *here.parents][:64]:
        if (parent / ".git").exists():
            return parent
    cwd = Path(cwd_s).resolve()
    if here == cwd or cwd in here.parents:
        return cwd
    return here


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# --- directory contents ----------------------------------------------------------------------


@dataclass
class Variable:
    name: str
    default: object  # Attr or None
    type: object  # Attr or None
    loc: Location


@dataclass
class Module:
    """One directory's declarations, merged over its HCL files."""

    dir: Path
    display_dir: str
    files: list = field(default_factory=list)  # ParsedFile
    variables: dict = field(default_factory=dict)  # name -> Variable
    locals: dict = field(default_factory=dict)  # name -> Attr
    var_values: dict = field(default_factory=dict)  # name -> (value, Location): tfvars/pkrvars
    var_conflicts: dict = field(default_factory=dict)  # name -> text: set differently by two var files
    broken: list = field(default_factory=list)  # displays of sibling files that did not parse
    root_signs: list = field(default_factory=list)  # provider / backend blocks: a root module


_DIR_CACHE: "OrderedDict" = OrderedDict()
_DIR_CACHE_SIZE = 16


def _listing(directory: Path, wanted) -> list[tuple[str, int, int]]:
    out = []
    try:
        with os.scandir(directory) as it:
            for entry in it:
                if wanted(entry.name):
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        out.append((entry.name, st.st_size, st.st_mtime_ns))
                    if len(out) > 4 * MAX_DIR_FILES:
                        break
    except OSError:
        return []
    return sorted(out)


def load_module(directory: Path, display_dir: str, kind, this: ParsedFile | None = None) -> Module:
    """Read a directory's HCL files as one module. `kind` says which names are source files
    and which are variable files (terraform / packer). `this` is the file being checked, as
    given (it may differ from the disk, e.g. on stdin)."""
    listing = _listing(directory, lambda n: kind.is_source(n) or kind.is_var_file(n))
    key = (str(directory), tuple(listing), kind.name, this.display if this else None, id(this.root) if this else None)
    hit = _DIR_CACHE.get(key)
    if hit is not None:
        _DIR_CACHE.move_to_end(key)
        return hit
    mod = Module(directory, display_dir)
    sources = [n for n, _, _ in listing if kind.is_source(n)][:MAX_DIR_FILES]
    var_files = kind.order_var_files([n for n, _, _ in listing if kind.is_var_file(n)])[:MAX_DIR_FILES]
    this_name = posixpath.basename(this.display) if this else None
    if this is not None and this_name not in sources and kind.is_source(this_name):
        sources.append(this_name)
    for name in sorted(sources):
        disp = posixpath.join(display_dir, name) if display_dir else name
        if this is not None and name == this_name:
            pf = this
        else:
            data = read_regular(str(directory / name))
            if data is None:
                continue
            pf = parse_file(data, disp)
        if pf.root is None:
            mod.broken.append(disp)
            continue
        mod.files.append(pf)
        kind.collect(mod, pf.root)
    _read_var_files(mod, directory, display_dir, var_files, kind)
    _DIR_CACHE[key] = mod
    if len(_DIR_CACHE) > _DIR_CACHE_SIZE:
        _DIR_CACHE.popitem(last=False)
    return mod


def collect_variables(mod: Module, root: Block) -> None:
    for blk in root.blocks:
        if blk.type == "variable" and blk.labels and isinstance(blk.labels[0], str):
            mod.variables.setdefault(blk.labels[0], Variable(blk.labels[0], blk.attrs.get("default"), blk.attrs.get("type"), blk.loc))
        elif blk.type == "locals":
            for name, attr in blk.attrs.items():
                mod.locals.setdefault(name, attr)


def _read_var_files(mod: Module, directory: Path, display_dir: str, names: list, kind) -> None:
    """Variable files in the order the tool loads them; a later file overrides an earlier one.
    Plain values only (a variable file cannot refer to anything)."""
    ev = Evaluator()
    empty = Scope()
    plain: dict = {}  # variables set by files loaded only on request (Packer's -var-file)
    for name in names:
        disp = posixpath.join(display_dir, name) if display_dir else name
        data = read_regular(str(directory / name))
        if data is None:
            continue
        if name.endswith(".json"):
            try:
                doc = json.loads(decode(data))
            except (ValueError, RecursionError):
                mod.broken.append(disp)
                continue
            if isinstance(doc, dict):
                for key, value in doc.items():
                    mod.var_values[key] = (value, Location(disp, 1, 1))
            continue
        pf = parse_file(data, disp)
        if pf.root is None:
            mod.broken.append(disp)
            continue
        exclusive = kind.exclusive(name)
        for key, attr in pf.root.attrs.items():
            value, _ = ev.eval(attr.expr, empty)
            if exclusive:
                prev = plain.get(key)
                if prev is not None and prev[0] != value and key not in mod.var_conflicts:
                    mod.var_conflicts[key] = f"var.{key} is {describe(prev[0])} in {prev[1]} and {describe(value)} in {disp}; the -var-file given decides"
                plain.setdefault(key, (value, disp))
            mod.var_values[key] = (value, attr.loc)


# --- one instance of a module: variables bound, locals lazily evaluated ----------------------


class Instance:
    """A module with its variables bound: inputs (module call arguments, or tfvars for a root
    module) over defaults, and `optional()` attribute defaults of object types filled in."""

    def __init__(self, mod: Module, inputs: dict, evaluator: Evaluator, missing_hint: str):
        self.mod = mod
        self.inputs = inputs  # name -> (value, origin)
        self.ev = evaluator
        self.missing_hint = missing_hint
        self._vars: dict = {}
        self._locals: dict = {}
        self._busy: set = set()
        self.scope = Scope(self.var, self.local)

    def var(self, name: str):
        if name in self._vars:
            return self._vars[name]
        decl = self.mod.variables.get(name)
        if name in self.mod.var_conflicts:
            result = (Unknown(self.mod.var_conflicts[name]), None)
        elif name in self.inputs:
            value, origin = self.inputs[name]
            result = (value, origin)
        elif decl is None:
            result = (Unknown(f"var.{name} is not declared in {self.mod.display_dir or '.'}"), None)
        elif decl.default is None:
            result = (Unknown(f"var.{name} has no default and {self.missing_hint}"), None)
        else:
            value, _ = self.ev.eval(decl.default.expr, Scope())
            result = (value, None)  # a default points at the attribute that uses it
        if decl is not None and decl.type is not None and not isinstance(result[0], Unknown):
            result = (with_optional_defaults(self.ev, decl.type.expr, result[0]), result[1])
        self._vars[name] = result
        return result

    def local(self, name: str):
        if name in self._locals:
            return self._locals[name]
        attr = self.mod.locals.get(name)
        if attr is None:
            return Unknown(f"local.{name} is not defined"), None
        if name in self._busy:
            return Unknown(f"local.{name} refers to itself"), None
        self._busy.add(name)
        try:
            value, origin = self.ev.eval(attr.expr, self.scope)
        finally:
            self._busy.discard(name)
        result = (value, origin)  # a tfvars value used by the local keeps its origin
        self._locals[name] = result
        return result


def with_optional_defaults(ev: Evaluator, type_expr, value, depth: int = 0):
    """Fill `optional(type, default)` attributes of object types into a known value, as
    Terraform does when it converts a module argument to the variable's type."""
    if depth > 8 or isinstance(value, Unknown):
        return value
    call = _call_of(type_expr)
    if call is None:
        return value
    name, args = call
    if name == "object" and isinstance(value, dict) and args and _is_object(args[0]):
        out = dict(value)
        for key, attr_type in _object_items(args[0]):
            inner = _call_of(attr_type)
            if inner is not None and inner[0] == "optional":
                if key not in out or out[key] is None:
                    if len(inner[1]) >= 2:
                        default, _ = ev.eval(inner[1][1], Scope())
                        out[key] = default
                    else:
                        out[key] = None
                if len(inner[1]) >= 1:
                    out[key] = with_optional_defaults(ev, inner[1][0], out[key], depth + 1)
            elif key in out:
                out[key] = with_optional_defaults(ev, attr_type, out[key], depth + 1)
        return out
    if name in ("map",) and isinstance(value, dict) and args:
        return {k: with_optional_defaults(ev, args[0], v, depth + 1) for k, v in value.items()}
    if name in ("list", "set") and isinstance(value, list) and args:
        return [with_optional_defaults(ev, args[0], v, depth + 1) for v in value]
    return value


def _strip(node):
    while hasattr(node, "data") and node.data == "expr_term":
        kids = [c for c in node.children if hasattr(c, "data") and c.data != "new_line_or_comment"]
        if len(kids) != 1:
            break
        node = kids[0]
    return node


def _call_of(node):
    node = _strip(node)
    if not hasattr(node, "data") or node.data != "function_call":
        return None
    kids = [c for c in node.children if hasattr(c, "data")]
    name = str(kids[0].children[0])
    args_node = next((k for k in kids if k.data == "arguments"), None)
    args = [c for c in args_node.children if hasattr(c, "data") and c.data != "new_line_or_comment"] if args_node else []
    return name, args


def _is_object(node) -> bool:
    node = _strip(node)
    return hasattr(node, "data") and node.data == "object"


def _object_items(node):
    node = _strip(node)
    for elem in node.children:
        if not hasattr(elem, "data") or elem.data != "object_elem":
            continue
        parts = [c for c in elem.children if hasattr(c, "data")]
        key_node = _strip(parts[0])
        while hasattr(key_node, "data") and key_node.data in ("object_elem_key", "expr_term"):
            kids = [c for c in key_node.children if hasattr(c, "data")]
            key_node = kids[0] if kids else key_node
            if not kids:
                break
        key = str(key_node.children[0]) if hasattr(key_node, "data") and key_node.data in ("identifier", "keyword") else None
        if key is None:
            continue
        yield key, parts[-1]


# --- values -> record fields -----------------------------------------------------------------


def to_int(value):
    """A number or numeric string as Terraform/Packer convert it, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == int(value):
        return int(value)
    if isinstance(value, str) and 0 < len(value.strip()) <= 40 and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def to_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def bytes_to_mb(attr: str, value: int, loc: Location, vm: str, dm105_applies: bool):
    """A byte count -> (MB or None, problem or None). Not a whole MB is DM105 (Hyper-V
    refuses memory that is not 2 MB aligned) when the value is applied, and below 1 MB it is
    a unit mistake (DM003): memory_*_bytes counts bytes, not MB."""
    from dmlint.units import UnitError, parse_size

    if value <= 0:
        return None, Problem("DM003", f"{attr} {value} is {'zero' if value == 0 else 'negative'}: a memory size must be at least 1 MB", loc, vm=vm)
    if value < MIB:
        return None, Problem(
            "DM003",
            f"{attr} {value} is {value} bytes, less than 1 MB: the attribute counts bytes (did you mean {value} MB = {value * MIB} bytes?)",
            loc,
            vm=vm,
        )
    mb, rest = divmod(value, MIB)
    if rest:
        if not dm105_applies:
            return None, None
        low = mb - mb % 2
        return None, Problem(
            "DM105",
            f"{attr} {value} bytes is {value / MIB:.2f} MB, not a multiple of 2 MB; Hyper-V refuses unaligned memory (use {low * MIB} or {(low + 2) * MIB} bytes = {low} or {low + 2} MB)",
            loc,
            vm=vm,
        )
    try:
        return parse_size(mb), None
    except UnitError as exc:
        return None, Problem("DM003", f"{attr}: {exc}", loc, vm=vm)


def unknown_problem(what: str, attr: str, value: Unknown, loc: Location, vm: str | None) -> Problem:
    if isinstance(value, TooLarge):
        return Problem("DM003", f"{what}: {attr} is implausible: {value.reason}", loc, vm=vm)
    return Problem("DM006", f"{what}: {attr} is not statically known ({value.reason}); not checked", loc, vm=vm)


def syntax_problem(pf: ParsedFile) -> Problem:
    err = pf.error
    return Problem("DM001", str(err), Location(pf.display, err.line, err.column))


__all__ = ["describe"]
