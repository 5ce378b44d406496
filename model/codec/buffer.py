"""Shared decoding primitives: precompiled Structs, the one error helper, fast value constructors.

The cursor of STYLE principle 4 is explicit and flat for speed: every decoder takes the one outermost
`data` object plus `(pos, end, base)` — its slice bounds and the offset added to error positions — and
reads with `Struct.unpack_from` at absolute offsets, so nothing is copied and every DecodeError points
into the outermost buffer. Encoders are the matching `encode_*` functions of each module.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from mip6check.model.errors import DecodeError

U16 = struct.Struct("!H")
U32 = struct.Struct("!I")
HH = struct.Struct("!HH")
BBH = struct.Struct("!BBH")
II = struct.Struct("!II")


def fail(offset: int, layer: str, field: str, reason: str) -> NoReturn:
    """Raise the codec's one error type (offset already absolute)."""
    raise DecodeError(offset, layer, field, reason)


T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A positional constructor for a frozen slots dataclass without __post_init__, for the decode hot
    path; the value is identical to the real constructor's.

    The fields are stored on an instance of a plain (not frozen) twin class with the same slots, whose
    attribute stores are ordinary, and the instance then becomes `cls` (same layout, so `__class__`
    assignment is allowed): about 4x cheaper than the frozen __init__. Where the layouts differ, the
    slots are set through their descriptors instead (about 40% cheaper)."""
    if hasattr(cls, "__post_init__"):
        return cls  # validation must run: use the real constructor
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    args = ", ".join(names)
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
    ns: dict[str, Any] = {"new": object.__new__, "cls": cls, "twin": twin}
    body = "".join(f" o.{n} = {n}\n" for n in names)
    exec(f"def make({args}):\n o = new(twin)\n{body} o.__class__ = cls\n return o\n", ns)  # noqa: S102
    make: Callable[..., T] = ns["make"]
    try:
        probe = make(*range(len(names)))
        ok = type(probe) is cls and all(getattr(probe, n) == i for i, n in enumerate(names))
    except TypeError:  # "object layout differs"
        ok = False
    if ok:
        return make
    ns = {"new": object.__new__, "cls": cls}
    for n in names:
        ns["s_" + n] = cls.__dict__[n].__set__
    body = "".join(f" s_{n}(o, {n})\n" for n in names)
    exec(f"def make({args}):\n o = new(cls)\n{body} return o\n", ns)  # noqa: S102
    return ns["make"]  # type: ignore[no-any-return]
