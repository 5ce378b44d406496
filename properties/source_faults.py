"""Faults planted by rewriting one expression in the source of a model function (for `patched()`).

A mutation tool changes a line of the model; `rewritten("module:Attr.path", old, new)` builds the same
function with `old` replaced by `new` in its source, compiled in its own module's namespace, so a
test or a mutant plants exactly the fault a mutation tool would, and `patched()` takes it out again.
"""

from __future__ import annotations

import importlib
import inspect
import linecache
import textwrap
from typing import Any


def _resolve(target: str) -> tuple[object, str]:
    mod_name, _, path = target.partition(":")
    owner: object = importlib.import_module(mod_name)
    *parents, name = path.split(".")
    for p in parents:
        owner = getattr(owner, p)
    return owner, name


def rewritten(target: str, old: str, new: str, count: int = 1) -> Any:
    """The function at `target` ('module:func' or 'module:Class.method') with the first `count`
    occurrences of `old` in its source replaced by `new`. ValueError when `old` occurs fewer times
    (the model changed: the fault no longer applies where it was aimed)."""
    owner, name = _resolve(target)
    fn = inspect.unwrap(getattr(owner, name))
    src = textwrap.dedent(inspect.getsource(fn))
    if src.count(old) < count:
        raise ValueError(f"{target}: {old!r} occurs {src.count(old)} times, {count} needed")
    src = src.replace(old, new, count)
    module = inspect.getmodule(fn)
    namespace: dict[str, Any] = dict(vars(module)) if module is not None else {}
    filename = f"<{target} with {old!r} -> {new!r}>"
    lines = src.splitlines(keepends=True)
    linecache.cache[filename] = (len(src), None, lines, filename)  # tracebacks show the fault
    code = compile(src, filename, "exec")
    exec(code, namespace)  # noqa: S102 - the model's own source, one expression rewritten
    out = namespace[fn.__name__]
    if isinstance(owner, type):
        out.__qualname__ = f"{owner.__name__}.{fn.__name__}"
    return out


__all__ = ["rewritten"]
