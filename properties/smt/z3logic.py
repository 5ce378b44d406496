"""`Logic` over Z3 terms (principle 1): the decision kernel of model/roles/kernel.py runs unchanged on
symbolic values, so every proof in properties/smt is about the code the roles execute, not a copy.

Arithmetic: every number is a Z3 `Int` (unbounded), flags are `Bool`. `mod(x, m)` is SMT-LIB `mod`,
which is Euclidean: for a positive modulus the result is in 0..m-1 for every x, negative x included,
which is exactly Python's `x % m` for m > 0 (checked in tests/properties/test_smt.py). The kernel only
ever uses positive moduli (2^16, §4.3 / §5.1), so PY and Z3 agree on `seq_greater` for all inputs.

`Sym` makes symbolic kernel records (`Entry`, `BUIn`, `NodeEnv`, `BulEntry`) with their wire or model
domains collected as constraints: Sequence Number 0..65535 (§5.1), Lifetime 0..2^32-1 (§5.1), ID Length
0..255 (§5.1), times (ms) >= 0, retransmission interval one of 1 s * 2^k up to the cap (§9.7, §11).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import z3

from mip6check.model.config import Config
from mip6check.model.roles import kernel as K
from mip6check.model.roles.logic import Term

SEQ_MAX = K.SEQ_MOD - 1
LIFETIME_MAX = K.INFINITE_LIFETIME
ID_LENGTH_MAX = 255


def _z(x: Term) -> Any:
    """Lift a Python bool/int to a Z3 value (z3 does this itself in most places; If() needs a sort)."""
    if isinstance(x, bool):
        return z3.BoolVal(x)
    if isinstance(x, int):
        return z3.IntVal(x)
    return x


class Z3Logic:
    """The `Logic` protocol over Z3: If/And/Or/Not, Euclidean mod (= Python % for m > 0), min/max."""

    def ite(self, cond: Term, then: Term, other: Term) -> Term:
        return z3.If(_z(cond), _z(then), _z(other))

    def and_(self, *xs: Term) -> Term:
        return z3.And(*[_z(x) for x in xs])

    def or_(self, *xs: Term) -> Term:
        return z3.Or(*[_z(x) for x in xs])

    def not_(self, x: Term) -> Term:
        return z3.Not(_z(x))

    def mod(self, x: Term, m: int) -> Term:
        if m <= 0:
            raise ValueError("Z3Logic.mod: only positive moduli have Python semantics")
        return _z(x) % m

    def min_(self, x: Term, y: Term) -> Term:
        return z3.If(_z(x) <= _z(y), _z(x), _z(y))

    def max_(self, x: Term, y: Term) -> Term:
        return z3.If(_z(x) >= _z(y), _z(x), _z(y))


Z3 = Z3Logic()


def intervals(cfg: Config) -> list[int]:
    """The retransmission timeouts §9.7 can produce: INITIAL_BINDACK_TIMEOUT doubled up to the cap."""
    out = [cfg.initial_bindack_timeout]
    while out[-1] < cfg.max_bindack_timeout:
        out.append(min(out[-1] * 2, cfg.max_bindack_timeout))
    return out


class Sym:
    """Fresh symbolic values with their domain constraints (`self.domain`), named `<prefix>.<field>`."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.domain: list[Any] = []

    def _n(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def int_(self, name: str, lo: int | None = None, hi: int | None = None) -> Any:
        v = z3.Int(self._n(name))
        if lo is not None:
            self.domain.append(v >= lo)
        if hi is not None:
            self.domain.append(v <= hi)
        return v

    def bool_(self, name: str) -> Any:
        return z3.Bool(self._n(name))

    def seq(self, name: str) -> Any:
        return self.int_(name, 0, SEQ_MAX)

    def time(self, name: str) -> Any:
        return self.int_(name, 0)

    def addr(self, name: str) -> Any:
        """Addresses are compared only for equality (kernel docstring): an Int stands for one."""
        return self.int_(name, 0)

    def entry(self, name: str) -> K.Entry:
        """A Binding Cache slot (§4.3)."""
        n = name + "."
        return K.Entry(
            present=self.bool_(n + "present"),
            home=self.addr(n + "home"),
            coa=self.addr(n + "coa"),
            seq=self.seq(n + "seq"),
            home_reg=self.bool_(n + "home_reg"),
            expiry=self.time(n + "expiry"),
            infinite=self.bool_(n + "infinite"),
            last_used=self.time(n + "last_used"),
        )

    def bu(self, name: str) -> K.BUIn:
        """A received Binding Update (§5.1 fields, §7.2 test inputs)."""
        n = name + "."
        return K.BUIn(
            auth=self.bool_(n + "auth"),
            length_ok=self.bool_(n + "length_ok"),
            has_hao=self.bool_(n + "has_hao"),
            h=self.bool_(n + "h"),
            seq=self.seq(n + "seq"),
            lifetime=self.int_(n + "lifetime", 0, LIFETIME_MAX),
            home=self.addr(n + "home"),
            coa=self.addr(n + "coa"),
        )

    def env(self, name: str) -> K.NodeEnv:
        """The receiving node's situation (§7.7, §8.1-§8.3)."""
        n = name + "."
        return K.NodeEnv(
            is_home_agent=self.bool_(n + "is_home_agent"),
            home_on_link=self.bool_(n + "home_on_link"),
            id_length=self.int_(n + "id_length", 0, ID_LENGTH_MAX),
            ha_id_length=self.int_(n + "ha_id_length", 0, ID_LENGTH_MAX),
            to_anycast=self.bool_(n + "to_anycast"),
            cache_full=self.bool_(n + "cache_full"),
            any_evictable=self.bool_(n + "any_evictable"),
            will_create=self.bool_(n + "will_create"),
        )

    def bul(self, name: str, cfg: Config) -> K.BulEntry:
        """A Binding Update List entry (§4.3) with its interval in the §9.7 back-off set."""
        n = name + "."
        interval = self.int_(n + "interval")
        self.domain.append(z3.Or(*[interval == v for v in intervals(cfg)]))
        return K.BulEntry(
            present=self.bool_(n + "present"),
            seq=self.seq(n + "seq"),
            coa=self.addr(n + "coa"),
            home_reg=self.bool_(n + "home_reg"),
            acked=self.bool_(n + "acked"),
            interval=interval,
            next_retx=self.time(n + "next_retx"),
            retx_on=self.bool_(n + "retx_on"),
            last_send=self.time(n + "last_send"),
            fast_count=self.int_(n + "fast_count", 0),
            no_more_bu=self.bool_(n + "no_more_bu"),
        )


def same(a: Any, b: Any) -> Any:
    """Field-wise equality of two kernel records (Entry, BulEntry) as one Z3 Bool."""
    return z3.And(*[_z(getattr(a, f.name)) == _z(getattr(b, f.name)) for f in fields(a)])


R = TypeVar("R")


def ite_record(cond: Any, a: R, b: R) -> R:
    """Field-wise If over two records of the same dataclass type."""
    flds = fields(a)  # type: ignore[arg-type]
    return type(a)(**{f.name: Z3.ite(cond, getattr(a, f.name), getattr(b, f.name)) for f in flds})


def to_py(v: Any) -> int | bool:
    """A Z3 numeral/boolean (after simplify or model eval) as a Python value."""
    if isinstance(v, bool | int):
        return v
    v = z3.simplify(v)
    if z3.is_true(v):
        return True
    if z3.is_false(v):
        return False
    if z3.is_int_value(v):
        return int(v.as_long())
    raise ValueError(f"not a constant: {v}")


def evaluate(model: Any, x: Any) -> Any:
    """A term, or a kernel record / tuple of them, evaluated in a model to Python values."""
    if is_dataclass(x) and not isinstance(x, type):
        return {f.name: evaluate(model, getattr(x, f.name)) for f in fields(x)}
    if isinstance(x, tuple):
        return tuple(evaluate(model, y) for y in x)
    if isinstance(x, bool | int):
        return x
    return to_py(model.eval(x, model_completion=True))


def model_dict(model: Any) -> dict[str, int | bool]:
    """Every constant of a model, by name: the concrete counterexample."""
    out: dict[str, int | bool] = {}
    for d in model.decls():
        try:
            out[d.name()] = to_py(model[d])
        except ValueError:
            continue
    return dict(sorted(out.items()))
