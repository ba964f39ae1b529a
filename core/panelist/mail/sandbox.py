"""The Jinja2 sandbox message templates render in, with limits on time, size and names.

Jinja2's own sandbox stops a template from reaching Python internals, but not
from running for minutes (nested loops), allocating gigabytes ("x".center(10**9),
doubling a string with ``~``) or printing an object's repr with its memory
address (``lipsum``, ``self``, ``cycler``). `LimitedSandbox` closes those:

* the only global is a capped ``range``; ``self`` and every other built-in
  helper is gone, so a template sees only the documented placeholders;
* every loop, call, filter and operator checks the render's time budget;
* every operation that can make a long string or a big number refuses up front
  when its result would break the limit (padding widths, repetition, joins);
* only plain values (text and numbers) can be printed or turned into text.

A limit breach raises `TemplateLimitError` inside the template, so the caller
can name the template line, like any other template error.
"""

from __future__ import annotations

import contextlib
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_OUTPUT_CHARS = 100_000  # a whole rendered part; real mails are a few thousand
MAX_TEXT_CHARS = 100_000  # any text made while rendering
MAX_ITEMS = 1_000  # range() and repeated lists
MAX_WIDTH = 1_000  # padding, indent and wrap widths
MAX_NUMBER_BITS = 4_096  # integers made by * and **
RENDER_SECONDS = 1.0

# The filters that take a width or a count as their first argument after the value,
# and the names of those arguments.
_WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "batch", "slice"})
_WIDTH_ARGUMENTS = ("width", "linecount", "slices")
# str methods that pad to a width given as their first argument.
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
_PLAIN = (str, int, float, type(None))
_SEQUENCES = (str, list, tuple)
_BUDGET_FILTER = "panelist_budget"
_TEXT_FILTER = "panelist_plain_text"
_SIZE_FILTER = "panelist_text_size"


class TemplateLimitError(SecurityError):
    """A template tried to run too long, make too much text or show a Python object."""


# When the render running in this thread or task must be done (time.monotonic()).
_deadline: ContextVar[float | None] = ContextVar("panelist_template_deadline", default=None)


@contextlib.contextmanager
def time_budget(seconds: float = RENDER_SECONDS) -> Iterator[None]:
    """Limit the template code run inside the block to `seconds` in all."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time() -> None:
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TemplateLimitError(f"the template took longer than {RENDER_SECONDS:g} s to render")


def check_output(chars: int) -> None:
    if chars > MAX_OUTPUT_CHARS:
        raise TemplateLimitError(f"the message would be longer than {MAX_OUTPUT_CHARS} characters")


def _check_size(size: int, what: str = "text") -> None:
    if size > MAX_TEXT_CHARS:
        raise TemplateLimitError(f"{what} longer than {MAX_TEXT_CHARS} characters is not allowed")


def _check_width(width: object, what: str) -> None:
    if isinstance(width, int) and abs(width) > MAX_WIDTH:
        raise TemplateLimitError(f"a {what} of {width} is more than {MAX_WIDTH}")


def _check_result(value: Any) -> Any:
    if isinstance(value, str | list | tuple):
        _check_size(len(value))
    return value


def plain(value: Any) -> Any:
    """`value` when it is text or a number; anything else would print a Python repr."""
    if isinstance(value, (*_PLAIN, Undefined)):
        return value
    raise TemplateLimitError(f"a {type(value).__name__} cannot be shown, only text and numbers")


def _printable(value: Any) -> Any:
    """What ``{{ }}`` may print: plain values of a bounded length."""
    check_time()
    return _check_result(plain(value))


def capped_range(*args: int) -> range:
    numbers = range(*args)
    try:
        count = len(numbers)
    except OverflowError:  # more than fits in a machine word
        count = MAX_ITEMS + 1
    if count > MAX_ITEMS:
        raise TemplateLimitError(f"a range of more than {MAX_ITEMS} numbers is not allowed")
    return numbers


def _budgeted(items: Iterable[Any]) -> Iterator[Any]:
    """Loop items, checking the time budget at each: loops are where time goes."""
    for item in items:
        check_time()
        yield item


# --------------------------------------------------------------------------- size estimates


def _replace_size(text: str, old: str, new: str, count: int = -1) -> int:
    hits = text.count(old) if old else len(text) + 1
    if count >= 0:
        hits = min(hits, count)
    return len(text) + hits * len(new)


def _join_size(separator: str, items: Sequence[Any]) -> int:
    return sum(len(str(plain(item))) for item in items) + len(separator) * max(len(items) - 1, 0)


def _indent_size(text: str, width: int | str = 4) -> int:
    prefix = width if isinstance(width, int) else len(str(width))
    return len(text) + (text.count("\n") + 1) * prefix


def _check_printf(template: str, args: Any) -> None:
    for width, precision in _PRINTF_FIELD.findall(template):
        for number in (width, precision):
            if number == "*":
                raise TemplateLimitError("a '*' width in % formatting is not allowed")
            _check_width(int(number) if number else 0, "format width")
    values = args.values() if isinstance(args, Mapping) else args
    for value in values if isinstance(args, Mapping | tuple) else (args,):
        plain(value)


def _check_format_spec(template: str) -> None:
    """Widths in str.format fields, including nested ones such as {:{}}."""
    for _, _, spec, _ in string.Formatter().parse(template):
        if not spec:
            continue
        if "{" in spec:
            raise TemplateLimitError("nested format fields are not allowed")
        for number in re.findall(r"\d+", spec):
            _check_width(int(number), "format width")


# --------------------------------------------------------------------------- filters


def _guarded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with the time budget, its widths and its result size checked."""
    # Some filters get Jinja2's environment or context before the value.
    takes_first = hasattr(function, "jinja_pass_arg")

    def guarded(*call_args: Any, **kwargs: Any) -> Any:
        check_time()
        first = call_args[:1] if takes_first else ()
        value, *args = call_args[len(first) :]
        value = _checked_filter_input(name, value, tuple(args), kwargs)
        return _check_result(function(*first, value, *args, **kwargs))

    guarded.__name__ = name
    if takes_first:
        guarded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return guarded


def _checked_filter_input(
    name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`value` once the filter's arguments are known not to make too much; raises if they do.

    A value to join is returned as a list: a generator is used up by measuring it.
    """
    if name in _WIDTH_FILTERS:
        for width in (*args[:1], *(kwargs.get(key) for key in _WIDTH_ARGUMENTS)):
            _check_width(width, f"{name} width")
    if name == "string":
        plain(value)
    elif name == "join":
        separator = args[0] if args else kwargs.get("d", "")
        value = _materialised(value)
        if "attribute" not in kwargs and len(args) < 2:
            _check_size(_join_size(str(separator), value))
    elif name == "replace" and isinstance(value, str) and len(args) >= 2:
        count = args[2] if len(args) > 2 and isinstance(args[2], int) else -1
        _check_size(_replace_size(value, str(args[0]), str(args[1]), count))
    elif name == "indent" and isinstance(value, str):
        _check_size(_indent_size(value, args[0] if args else kwargs.get("width", 4)))
    elif name == "wordwrap" and isinstance(value, str):
        wrapstring = kwargs.get("wrapstring") or (args[2] if len(args) > 2 else None) or "\n"
        _check_size(len(value) * (1 + len(str(wrapstring))))
    elif name == "format" and isinstance(value, str):
        _check_printf(value, kwargs or args)
    return value


def _materialised(value: Any) -> Sequence[Any]:
    if isinstance(value, str):
        return value
    items = []
    for item in value:
        check_time()
        items.append(item)
        if len(items) > MAX_TEXT_CHARS:
            raise TemplateLimitError(f"more than {MAX_TEXT_CHARS} items to join")
    return items


# Filters that show Python internals or have no use in a mail.
_DROPPED_FILTERS = frozenset({"pprint", "xmlattr", "tojson", "attr", "random"})


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox with a time budget, size caps and only `range` as a global."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_printable, **options)
        self.globals.clear()
        self.globals["range"] = capped_range
        self.filters = {
            name: _guarded_filter(name, function)
            for name, function in self.filters.items()
            if name not in _DROPPED_FILTERS
        }
        self.filters[_BUDGET_FILTER] = _budgeted
        self.filters[_TEXT_FILTER] = plain
        self.filters[_SIZE_FILTER] = _check_result

    def prepare(self, tree: nodes.Template) -> nodes.Template:
        """The parsed `tree` with the budget on every loop and the text checks on every ``~``."""
        prepared = _AddChecks().visit(tree)
        assert isinstance(prepared, nodes.Template)
        return prepared

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_time()
        _check_binop(operator, left, right)
        return _check_result(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_time()
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, str):
                _check_size(len(arg))
        args = _checked_method_args(__obj, args, kwargs)
        return _check_result(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_time()
        return super().getattr(obj, attribute)


class _AddChecks(NodeTransformer):
    """Loops check the time budget; ``~`` checks its operands and the length of its result.

    ``~`` is the one operator Jinja2 does not let a sandbox intercept, and
    repeating ``{% set a = a ~ a %}`` doubles a string per line.
    """

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _filtered(node.iter, _BUDGET_FILTER)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [_filtered(operand, _TEXT_FILTER) for operand in node.nodes]
        return _filtered(node, _SIZE_FILTER)


def _filtered(node: nodes.Node, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if isinstance(left, int) and isinstance(right, int):
            _check_bits(left.bit_length() + right.bit_length())
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        _check_bits(max(left.bit_length() - 1, 0) * right)
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)
    elif operator == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_size(len(left) + len(right))


def _check_repeat(sequence: Any, times: Any) -> None:
    if not (isinstance(sequence, _SEQUENCES) and isinstance(times, int)):
        return
    limit = MAX_TEXT_CHARS if isinstance(sequence, str) else MAX_ITEMS
    if len(sequence) * times > limit:
        kind = "text" if isinstance(sequence, str) else "list"
        raise TemplateLimitError(f"repeating a {kind} {times} times makes it too long")


def _check_bits(bits: int) -> None:
    if bits > MAX_NUMBER_BITS:
        raise TemplateLimitError("a number that large is not allowed")


def _checked_method_args(
    function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """The arguments of a str method, refused when the result would be too big or show a repr.

    What str.join is to join comes back as a list: a generator is used up by measuring it.
    """
    # The sandbox hands out str.format wrapped; the wrapper keeps the bound method.
    bound = getattr(function, "__wrapped__", function)
    owner = getattr(bound, "__self__", None)
    if not isinstance(owner, str):
        return args
    name = getattr(bound, "__name__", "")
    if name in ("format", "format_map"):
        _check_format_spec(owner)
        for value in (*args, *kwargs.values()):
            for shown in value.values() if isinstance(value, Mapping) else (value,):
                plain(shown)
    elif name in _PADDING_METHODS and args:
        size = args[0] * max(owner.count("\t"), 1) if name == "expandtabs" else args[0]
        _check_width(size, f"{name} width")
    elif name == "replace" and len(args) >= 2:
        _check_size(_replace_size(owner, str(args[0]), str(args[1]), *args[2:3]))
    elif name == "join" and args:
        items = _materialised(args[0])
        _check_size(_join_size(owner, items))
        return (items, *args[1:])
    return args
