"""HCL (Terraform, Packer) for dmlint: parse with python-hcl2, walk its tree, evaluate what is
statically known, and read `# dmlint:` comments from real comment tokens.

Parsing: `hcl2.parses_to_tree` (the raw Lark tree, with line and column on every node; the
dict API `hcl2.loads` drops positions and turns expressions back into `"${...}"` text).
A syntax error is DM001 at the line and column Lark reports.

Evaluation is a small interpreter over that tree, never Python's eval(). It knows:

- literals (numbers, strings with escapes, true/false/null), tuples and objects;
- arithmetic `+ - * / %`, comparisons, `&& || !`, `cond ? a : b` with a known condition;
- string templates `"vm-${each.key}"` whose parts are known;
- references: `var.*`, `local.*`, `each.key`/`each.value`, `count.index`, attribute and index
  access on known objects and tuples, and the names a `for` expression binds;
- `for` expressions over known collections; the functions try, coalesce, min, max, pow, abs,
  floor, ceil, lookup, tostring, tonumber, lower, upper, merge, concat, length (not format:
  its verbs are a language of their own).

Anything else (data sources, resource attributes, other functions, splats, template
directives, heredocs) is `Unknown(reason)`: the caller reports DM006 ("not statically known;
not checked") and never guesses.

Bounds, so that a hostile file costs little (a pull request is an attacker):

- MAX_DEPTH: expression nesting evaluated (a deeper expression is Unknown, never a
  RecursionError); real memory expressions are 2-5 levels deep.
- MAX_STEPS: tree nodes visited per evaluator (every expression of one module instance).
- MAX_INT_BITS: no integer result wider than 128 bits is computed (a chain of multiplications
  would otherwise build huge integers; the largest Hyper-V size, 240 TB, is 48 bits). The
  operands are checked before the operation, so no large number is ever built.
- MAX_TEXT: strings built by templates are at most 64 KiB (a VM name or note is short).
- MAX_ITEMS: collections built by `for` expressions hold at most 10,000 items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dmlint.model import Location

MAX_DEPTH = 48
MAX_STEPS = 200_000
MAX_INT_BITS = 128
MAX_TEXT = 64 * 1024
MAX_ITEMS = 10_000


class Unknown:
    """A value that cannot be known statically, and why (for the DM006 message)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class TooLarge(Unknown):
    """A number beyond MAX_INT_BITS: reported as DM003 (implausible), not DM006."""


class Invalid(Unknown):
    """An evaluation error Terraform would report too (a missing attribute, an index outside a
    tuple): `try()` moves on to its next argument, and nothing else is different."""


@dataclass(slots=True)
class Attr:
    name: str
    expr: object  # lark Tree of the expression
    loc: Location


@dataclass(slots=True)
class Block:
    type: str
    labels: list
    attrs: dict  # name -> Attr
    blocks: list  # nested Blocks
    loc: Location


# --- parsing ---------------------------------------------------------------------------------


class HCLSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.line = line
        self.column = column


def decode(data: bytes) -> str:
    """HCL files are UTF-8 (a BOM is tolerated). Raises UnicodeDecodeError otherwise."""
    return data.decode("utf-8-sig")


def parse_tree(text: str):
    """Text -> Lark tree, or HCLSyntaxError with line and column."""
    import gc

    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    # Lark allocates a node per token and rule; with dmlint's own objects alive, the cyclic
    # garbage collector's passes during a parse cost more than the parse (measured at 2,000
    # files: 2.2x the bare parse with it, 1.3x without). A parse makes no garbage cycles
    # worth collecting mid-way and its size is bounded (MAX_HCL_BYTES), so the collector
    # waits until the parse is done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        if len(first) > 200:
            first = first[:200] + "..."
        raise HCLSyntaxError(f"HCL syntax error: {first}", getattr(exc, "line", 0) or 0, getattr(exc, "column", 0) or 0) from None
    except (LarkError, RecursionError, ValueError) as exc:
        raise HCLSyntaxError(f"HCL syntax error: {type(exc).__name__}", 0, 0) from None
    finally:
        if enabled:
            gc.enable()


def _token_text(node) -> str:
    return str(node)


def _is_tree(node) -> bool:
    return hasattr(node, "data")


def _name_of(node) -> str | None:
    """identifier / keyword / literal_value / string label -> its text."""
    if not _is_tree(node):
        return None
    if node.data in ("identifier", "keyword", "literal_value"):
        return _token_text(node.children[0])
    if node.data == "string":
        parts = [c for c in node.children if _is_tree(c)]
        if all(p.data == "string_part" and not _is_tree(p.children[0]) for p in parts):
            return "".join(_unescape(_token_text(p.children[0])) for p in parts)
        return None
    if node.data == "expr_term" and node.children:
        return _name_of(node.children[0])
    return None


def _pos(node) -> tuple[int, int]:
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.line, meta.column
    line = getattr(node, "line", None)
    if line is not None:
        return line, getattr(node, "column", 0) or 0
    return 0, 0


def body_of(tree, display: str) -> Block:
    """The top-level body as a Block of type '' (attributes and blocks, iteratively)."""
    root = Block("", [], {}, [], Location(display, 1, 1))
    body = tree.children[0] if tree.children else None
    stack = [(body, root, 0)]
    while stack:
        node, into, depth = stack.pop()
        if node is None or depth > MAX_DEPTH:
            continue
        for child in node.children:
            if not _is_tree(child):
                continue
            if child.data == "attribute":
                name = _name_of(child.children[0])
                expr = child.children[-1]
                line, col = _pos(child)
                if name is not None and name not in into.attrs:
                    into.attrs[name] = Attr(name, expr, Location(display, line, col))
            elif child.data == "block":
                kids = [c for c in child.children if _is_tree(c)]
                btype = _name_of(kids[0]) or ""
                labels = []
                inner = None
                for k in kids[1:]:
                    if k.data == "body":
                        inner = k
                    elif k.data != "new_line_or_comment":
                        labels.append(_name_of(k))
                line, col = _pos(child)
                blk = Block(btype, labels, {}, [], Location(display, line, col))
                into.blocks.append(blk)
                stack.append((inner, blk, depth + 1))
    # the stack reverses sibling order of nested bodies only in processing, not in lists
    return root


# --- suppression comments ---------------------------------------------------------------------


def comment_suppressions(tree, text: str) -> tuple[dict[int, set[str]], set[str]]:
    """`# dmlint: disable=DM102 -- reason` / `// dmlint: ...` / `/* dmlint: ... */` from the
    parser's comment tokens only (text inside a string is never a directive). Same data as the
    YAML path: {line: ids} (a comment alone on its line also covers the next line) and the
    file-wide ids of `disable-file=`."""
    lines: dict[int, set[str]] = {}
    whole: set[str] = set()
    if "dmlint" not in text:
        return lines, whole
    src_lines = text.split("\n")
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in getattr(node, "children", ()):
            if _is_tree(child):
                stack.append(child)
                continue
            if getattr(child, "type", None) != "NL_OR_COMMENT" or "dmlint" not in child:
                continue
            # a comment token starts at its marker (newlines are tokens of their own)
            directive = _directive(str(child).lstrip("\r\n \t"))
            if directive is None:
                continue
            kind, ids = directive
            if kind == "disable-file":
                whole |= ids
                continue
            line, col = child.line, child.column
            lines.setdefault(line, set()).update(ids)
            before = src_lines[line - 1][: max(col - 1, 0)] if 0 < line <= len(src_lines) else ""
            if before.strip() == "":  # alone on its line: covers the next line too
                lines.setdefault(line + 1, set()).update(ids)
    return lines, whole


_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _directive(comment: str):
    """'# dmlint: disable=DM102,DM105 -- why' -> ('disable', {'DM102', 'DM105'}); plain string
    operations, no regular expression (nothing can backtrack)."""
    for marker in ("#", "//", "/*"):
        if comment.startswith(marker):
            body = comment[len(marker):]
            break
    else:
        return None
    body = body.split("\n", 1)[0]
    if body.rstrip().endswith("*/"):
        body = body.rstrip()[:-2]
    body = body.strip()
    if not body.startswith("dmlint:"):
        return None
    body = body[len("dmlint:"):].strip()
    kind, eq, rest = body.partition("=")
    kind = kind.strip()
    if not eq or kind not in ("disable", "disable-file"):
        return None
    rest = rest.split("--", 1)[0].split(":", 1)[0]
    ids = set()
    for part in rest.replace(",", " ").split():
        if part and all(c in _ID_CHARS for c in part):
            ids.add(part.upper())
    return (kind, ids) if ids else None


# --- strings ---------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = raw[i + 2 : i + 2 + width]
                if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                    code = int(digits, 16)
                    out.append(chr(code) if code <= 0x10FFFF else "\ufffd")
                    i += 2 + width
                    continue
        out.append(ch)
        i += 1
    return "".join(out)


# --- evaluation ------------------------------------------------------------------------------


class Scope:
    """Names an expression can refer to. `var` and `local` are resolved through callables so
    that locals are evaluated lazily (and a cycle between locals is Unknown, not a hang)."""

    def __init__(self, var=None, local=None, extra=None):
        self.var = var or (lambda name: (Unknown(f"var.{name} is not declared"), None))
        self.local = local or (lambda name: (Unknown(f"local.{name} is not defined"), None))
        self.extra = dict(extra or {})  # each, count, for-expression names -> (value, origin)

    def child(self, **names):
        s = Scope(self.var, self.local, self.extra)
        s.extra.update(names)
        return s


_FUNCTIONS = {"try", "coalesce", "min", "max", "pow", "abs", "floor", "ceil", "lookup", "tostring", "tonumber", "lower", "upper", "merge", "concat", "length"}


def describe(value) -> str:
    """A short text of a known value for messages."""
    from dmlint.wording import show_value

    return show_value(value, "a tuple", "an object")


class Evaluator:
    """Evaluates expression trees to (value, origin). origin is the Location where the deciding
    value was written (a tfvars line, a variable default, a locals entry), or None for a
    literal written in place. One evaluator's work is bounded by MAX_STEPS."""

    def __init__(self, steps: int = MAX_STEPS):
        self.steps = steps

    def eval(self, node, scope: Scope, depth: int = 0):
        self.steps -= 1
        if self.steps < 0:
            return Unknown("the evaluation budget is exhausted (too many expressions)"), None
        if depth > MAX_DEPTH:
            return Unknown("the expression is nested too deeply"), None
        if not _is_tree(node):
            return Unknown("an unexpected token"), None
        kind = node.data
        method = getattr(self, "_" + kind, None)
        if method is None:
            return Unknown(f"{kind.replace('_', ' ')} expressions are not evaluated"), None
        try:
            return method(node, scope, depth + 1)
        except RecursionError:
            return Unknown("the expression is nested too deeply"), None

    def _kids(self, node):
        return [c for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"]

    # terms
    def _expr_term(self, node, scope, depth):
        kids = self._kids(node)
        if len(kids) == 1:
            return self.eval(kids[0], scope, depth)
        return Unknown("an unexpected expression"), None

    def _int_lit(self, node, scope, depth):
        text = _token_text(node.children[0])
        if len(text.lstrip("-")) > 40:
            return TooLarge(f"the number {text[:20]}... is larger than 2^{MAX_INT_BITS}"), None
        value = int(text)
        if value.bit_length() > MAX_INT_BITS:
            return TooLarge(f"the number {text[:20]}... is larger than 2^{MAX_INT_BITS}"), None
        return value, None

    def _float_lit(self, node, scope, depth):
        text = _token_text(node.children[0])
        value = float(text)
        if not math.isfinite(value) or abs(value) >= 2.0**MAX_INT_BITS:
            return TooLarge(f"the number {text[:20]} is larger than 2^{MAX_INT_BITS}"), None
        if value == int(value):
            return int(value), None
        return value, None

    def _literal_value(self, node, scope, depth):
        text = _token_text(node.children[0])
        return {"true": True, "false": False, "null": None}.get(text), None

    def _string(self, node, scope, depth):
        parts = []
        origin = None
        size = 0
        for part in self._kids(node):
            inner = part.children[0] if part.children else None
            if not _is_tree(inner):
                tok = inner
                text = _token_text(tok)
                if getattr(tok, "type", "") in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    text = text[1:]
                else:
                    text = _unescape(text)
            elif inner.data == "interpolation":
                expr = self._kids(inner)
                if not expr:
                    return Unknown("an empty interpolation"), None
                value, o = self.eval(expr[0], scope, depth)
                if isinstance(value, Unknown):
                    return value, None
                if isinstance(value, (list, dict)) or value is None:
                    return Unknown("a template interpolates a value that is not text or a number"), None
                text = describe(value) if isinstance(value, bool) else str(value)
                origin = origin or o
            else:
                return Unknown("template directives (%{...}) are not evaluated"), None
            size += len(text)
            if size > MAX_TEXT:
                return Unknown("the string is longer than 64 KiB"), None
            parts.append(text)
        return "".join(parts), origin

    def _heredoc_template(self, node, scope, depth):
        return Unknown("heredoc strings are not evaluated"), None

    _heredoc_template_trim = _heredoc_template

    def _tuple(self, node, scope, depth):
        out = []
        origin = None
        for kid in self._kids(node):
            value, o = self.eval(kid, scope, depth)
            if isinstance(value, Unknown):
                return value, None
            out.append(value)
            origin = origin or o
            if len(out) > MAX_ITEMS:
                return Unknown("the tuple holds more than 10,000 items"), None
        return out, origin

    def _object(self, node, scope, depth):
        out = {}
        origin = None
        for elem in self._kids(node):
            if elem.data != "object_elem":
                continue
            parts = self._kids(elem)
            key_node, value_node = parts[0], parts[-1]
            key = self._object_key(key_node, scope, depth)
            if isinstance(key, Unknown):
                return key, None
            value, o = self.eval(value_node, scope, depth)
            if isinstance(value, Unknown):
                # keep the object known, with this member unknown: lets one member be unknown
                # without hiding the others (var.vm.memory known while var.vm.name is not)
                pass
            out[key] = value
            origin = origin or o
            if len(out) > MAX_ITEMS:
                return Unknown("the object holds more than 10,000 items"), None
        return out, origin

    def _object_key(self, key_node, scope, depth):
        kids = self._kids(key_node)
        inner = kids[0] if kids else key_node
        if _is_tree(inner) and inner.data == "keyword":
            return _token_text(inner.children[0])
        # a bare identifier key is its name, not a reference
        if _is_tree(inner) and inner.data == "expr_term":
            ik = self._kids(inner)
            if len(ik) == 1 and ik[0].data == "identifier":
                return _token_text(ik[0].children[0])
        value, _ = self.eval(inner, scope, depth)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, (list, dict)) or value is None:
            return Unknown("an object key that is not text")
        return describe(value) if isinstance(value, bool) else str(value)

    # references
    def _identifier(self, node, scope, depth):
        name = _token_text(node.children[0])
        if name in scope.extra:
            return scope.extra[name]
        if name in ("var", "local", "each", "count", "module", "data", "path", "terraform", "self", "source", "build", "packer"):
            return _Root(name), None
        return Unknown(f"{name} is not a value dmlint knows"), None

    def _get_attr_expr_term(self, node, scope, depth):
        kids = self._kids(node)
        base, origin = self.eval(kids[0], scope, depth)
        attr = _name_of(self._kids(kids[1])[0]) if self._kids(kids[1]) else None
        return self._select(base, origin, attr, scope)

    def _index_expr_term(self, node, scope, depth):
        kids = self._kids(node)
        base, origin = self.eval(kids[0], scope, depth)
        index = kids[1]
        if index.data == "short_index":
            key = int(_token_text([c for c in index.children if not _is_tree(c)][-1]))
        else:
            inner = self._kids(index)
            key, _ = self.eval(inner[0], scope, depth) if inner else (Unknown("an empty index"), None)
            if isinstance(key, Unknown):
                return key, None
        return self._select(base, origin, key, scope)

    def _select(self, base, origin, key, scope):
        if isinstance(base, Unknown):
            return base, None
        if isinstance(base, _Root):
            if not isinstance(key, str):
                return Unknown(f"{base.name}[...] is not a value dmlint knows"), None
            if base.name == "var":
                return scope.var(key)
            if base.name == "local":
                return scope.local(key)
            return Unknown(f"{base.name}.{key} is only known when Terraform or Packer runs"), None
        if isinstance(base, dict):
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                return Unknown("an object index that is not text"), None
            key = str(key)
            if key not in base:
                return Invalid(f"the object has no attribute {key!r}"), None
            return base[key], origin
        if isinstance(base, list):
            if isinstance(key, str) and key.lstrip("-").isdigit() and len(key) < 10:
                key = int(key)
            if isinstance(key, bool) or not isinstance(key, int):
                return Unknown("a tuple index that is not a number"), None
            if not 0 <= key < len(base):
                return Invalid(f"index {key} is outside the tuple"), None
            return base[key], origin
        return Unknown(f"cannot take {key!r} of {describe(base)}"), None

    def _attr_splat_expr_term(self, node, scope, depth):
        return Unknown("splat expressions are not evaluated"), None

    _full_splat_expr_term = _attr_splat_expr_term

    # operators
    def _unary_op(self, node, scope, depth):
        op = _token_text(node.children[0])
        value, origin = self.eval(node.children[1], scope, depth)
        if isinstance(value, Unknown):
            return value, None
        if op == "-" and _is_number(_as_number(value)):
            return -_as_number(value), origin
        if op == "!" and isinstance(value, bool):
            return (not value), origin
        return Unknown(f"{op} applied to {describe(value)}"), None

    def _binary_op(self, node, scope, depth):
        kids = self._kids(node)
        left, lo = self.eval(kids[0], scope, depth)
        term = kids[1]
        tkids = self._kids(term)
        op = _token_text(tkids[0].children[0])
        if op in ("&&", "||") and isinstance(left, bool):
            if (op == "&&" and not left) or (op == "||" and left):
                return left, lo
        right, ro = self.eval(tkids[1], scope, depth)
        for side in (left, right):
            if isinstance(side, Unknown):
                return side, None
        origin = lo or ro
        result = _apply(op, left, right)
        return result, (None if isinstance(result, Unknown) else origin)

    def _conditional(self, node, scope, depth):
        kids = self._kids(node)
        cond, co = self.eval(kids[0], scope, depth)
        if isinstance(cond, Unknown):
            return Unknown(f"a condition that is not known ({cond.reason})"), None
        if not isinstance(cond, bool):
            return Unknown(f"a condition that is {describe(cond)}, not a boolean"), None
        value, o = self.eval(kids[1] if cond else kids[2], scope, depth)
        return value, (o or co)

    def _function_call(self, node, scope, depth):
        kids = self._kids(node)
        name = _token_text(kids[0].children[0])
        if len([k for k in kids if k.data == "identifier"]) > 1:
            return Unknown("provider functions are not evaluated"), None
        if name not in _FUNCTIONS:
            return Unknown(f"the function {name}() is not evaluated"), None
        arg_node = next((k for k in kids if k.data == "arguments"), None)
        if name in ("try", "coalesce") and arg_node is not None:
            return self._lazy_call(name, self._kids(arg_node), scope, depth)
        args = []
        origin = None
        if arg_node is not None:
            if any(getattr(c, "type", None) == "ELLIPSIS" for c in arg_node.children):
                return Unknown("expanded function arguments (...) are not evaluated"), None
            for a in self._kids(arg_node):
                value, o = self.eval(a, scope, depth)
                if isinstance(value, Unknown):
                    return value, None
                args.append(value)
                origin = origin or o
        result = _call(name, args)
        return result, (None if isinstance(result, Unknown) else origin)

    def _lazy_call(self, name, args, scope, depth):
        """try(a, b, ...): the first argument that evaluates without an error (an argument
        that is merely not known stays not known: the fallback would be a guess).
        coalesce(a, b, ...): the first argument that is not null or "", all before it known."""
        for arg in args:
            value, origin = self.eval(arg, scope, depth)
            if isinstance(value, Invalid) and name == "try":
                continue
            if isinstance(value, Unknown):
                return value, None
            if name == "try" or (value is not None and value != ""):
                return value, origin
        return Invalid(f"{name}() finds no usable argument"), None

    def _for_tuple_expr(self, node, scope, depth):
        return self._for(node, scope, depth, as_object=False)

    def _for_object_expr(self, node, scope, depth):
        return self._for(node, scope, depth, as_object=True)

    def _for(self, node, scope, depth, as_object):
        kids = self._kids(node)
        intro = kids[0]
        ikids = self._kids(intro)
        names = [_token_text(k.children[0]) for k in ikids if k.data == "identifier"]
        coll, origin = self.eval(ikids[-1], scope, depth)
        if isinstance(coll, Unknown):
            return coll, None
        if isinstance(coll, dict):
            pairs = list(coll.items())
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        else:
            return Unknown(f"for over {describe(coll)}"), None
        if len(pairs) > MAX_ITEMS:
            return Unknown("for over more than 10,000 items"), None
        rest = kids[1:]
        cond = None
        if rest and rest[-1].data == "for_cond":
            cond = self._kids(rest[-1])[0]
            rest = rest[:-1]
        if as_object and any(getattr(c, "type", None) == "ELLIPSIS" for c in node.children):
            return Unknown("grouping for expressions (...) are not evaluated"), None
        out_list, out_obj = [], {}
        for k, v in pairs:
            bind = {names[-1]: (v, origin)} if len(names) == 1 else {names[0]: (k, origin), names[1]: (v, origin)}
            inner = scope.child(**bind)
            if cond is not None:
                c, _ = self.eval(cond, inner, depth)
                if isinstance(c, Unknown):
                    return c, None
                if c is not True:
                    continue
            if as_object:
                key, _ = self.eval(rest[0], inner, depth)
                value, _ = self.eval(rest[1], inner, depth)
                if isinstance(key, Unknown):
                    return key, None
                out_obj[str(key)] = value
            else:
                value, _ = self.eval(rest[0], inner, depth)
                if isinstance(value, Unknown):
                    return value, None
                out_list.append(value)
        return (out_obj if as_object else out_list), origin


class _Root:
    """`var`, `local`, `each`, ... before an attribute is taken."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _too_wide(value) -> bool:
    if isinstance(value, int):
        return value.bit_length() > MAX_INT_BITS
    return not math.isfinite(value) or abs(value) >= 2.0**MAX_INT_BITS


def _as_number(value):
    """Terraform converts a string to a number where an operator needs one ("2" * 1024)."""
    if isinstance(value, str) and 0 < len(value) <= 40:
        text = value.strip()
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return value
        return value if isinstance(number, float) and not math.isfinite(number) else number
    return value


def _apply(op: str, a, b):
    if op not in ("==", "!=", "&&", "||"):
        a, b = _as_number(a), _as_number(b)
    if op in ("==", "!="):
        same = a == b and type(a) is type(b) or (_is_number(a) and _is_number(b) and a == b)
        return same if op == "==" else not same
    if op in ("&&", "||"):
        if not (isinstance(a, bool) and isinstance(b, bool)):
            return Unknown(f"{op} needs booleans")
        return (a and b) if op == "&&" else (a or b)
    if not (_is_number(a) and _is_number(b)):
        return Unknown(f"{describe(a)} {op} {describe(b)} is not arithmetic on numbers")
    if op in ("<", ">", "<=", ">="):
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if op == "*":
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
            return TooLarge(f"the product is larger than 2^{MAX_INT_BITS}")
        result = a * b
    elif op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op in ("/", "%"):
        if b == 0:
            return Unknown("division by zero")
        if op == "%":
            result = math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else (abs(a) % abs(b)) * (1 if a >= 0 else -1)
        elif isinstance(a, int) and isinstance(b, int) and a % b == 0:
            result = a // b
        else:
            result = a / b
    else:
        return Unknown(f"the operator {op}")
    if _too_wide(result):
        return TooLarge(f"the result is larger than 2^{MAX_INT_BITS}")
    if isinstance(result, float) and result == int(result):
        result = int(result)
    return result


def _call(name: str, args: list):
    nums = all(_is_number(a) for a in args)
    if name in ("min", "max"):
        if not args or not nums:
            return Unknown(f"{name}() of values that are not numbers")
        return min(args) if name == "min" else max(args)
    if name == "pow":
        if len(args) != 2 or not nums:
            return Unknown("pow() needs two numbers")
        base, exp = args
        if isinstance(base, int) and isinstance(exp, int) and exp >= 0:
            if base not in (0, 1, -1) and exp * max(abs(base).bit_length(), 1) > MAX_INT_BITS + 1:
                return TooLarge(f"pow({base}, {exp}) is larger than 2^{MAX_INT_BITS}")
            return base**exp
        try:
            result = float(base) ** float(exp)
        except (OverflowError, ZeroDivisionError, ValueError):
            return TooLarge("pow() overflows")
        if isinstance(result, complex) or _too_wide(result):
            return TooLarge("pow() overflows")
        return int(result) if result == int(result) else result
    if name in ("abs", "floor", "ceil"):
        if len(args) != 1 or not nums:
            return Unknown(f"{name}() needs one number")
        x = args[0]
        return abs(x) if name == "abs" else (math.floor(x) if name == "floor" else math.ceil(x))
    if name == "lookup":
        if len(args) not in (2, 3) or not isinstance(args[0], dict) or not isinstance(args[1], str):
            return Unknown("lookup() of something that is not an object")
        if args[1] in args[0]:
            return args[0][args[1]]
        return args[2] if len(args) == 3 else Unknown(f"lookup() finds no {args[1]!r}")
    if name == "tostring":
        if len(args) == 1 and (isinstance(args[0], str) or _is_number(args[0])):
            return str(args[0])
        return Unknown("tostring() of a value that is not text or a number")
    if name == "tonumber":
        if len(args) == 1 and _is_number(args[0]):
            return args[0]
        if len(args) == 1 and isinstance(args[0], str) and 0 < len(args[0]) <= 40:
            try:
                value = float(args[0]) if any(c in args[0] for c in ".eE") else int(args[0])
            except ValueError:
                return Unknown(f"tonumber({args[0]!r}) is not a number")
            return TooLarge("tonumber() overflows") if _too_wide(value) else value
        return Unknown("tonumber() of a value that is not a number")
    if name in ("lower", "upper"):
        if len(args) == 1 and isinstance(args[0], str):
            return args[0].lower() if name == "lower" else args[0].upper()
        return Unknown(f"{name}() of a value that is not text")
    if name == "merge":
        if not all(isinstance(a, dict) for a in args):
            return Unknown("merge() of values that are not objects")
        out = {}
        for a in args:
            out.update(a)
        return out
    if name == "concat":
        if not all(isinstance(a, list) for a in args):
            return Unknown("concat() of values that are not tuples")
        out = [x for a in args for x in a]
        return out if len(out) <= MAX_ITEMS else Unknown("concat() makes more than 10,000 items")
    if name == "length":
        if len(args) == 1 and isinstance(args[0], (list, dict, str)):
            return len(args[0])
        return Unknown("length() of an unexpected value")
    return Unknown(f"the function {name}() is not evaluated")


def reference_text(expr, limit: int = 60) -> str:
    """A short rendering of an expression's first reference, for messages: 'var.memory'."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if not _is_tree(node):
            continue
        if node.data == "get_attr_expr_term":
            parts = []
            cur = node
            while _is_tree(cur) and cur.data == "get_attr_expr_term":
                kids = [c for c in cur.children if _is_tree(c)]
                attr = [c for c in kids[1].children if _is_tree(c)]
                parts.append(_name_of(attr[0]) if attr else "?")
                inner = [c for c in kids[0].children if _is_tree(c)]
                cur = inner[0] if inner else None
            if _is_tree(cur) and cur.data == "identifier":
                text = ".".join([str(cur.children[0])] + [p or "?" for p in reversed(parts)])
                return text[:limit]
        if node.data == "function_call":
            return f"{str(node.children[0].children[0])[:limit]}()"
        stack.extend(reversed([c for c in node.children if _is_tree(c)]))
    return "an expression"
