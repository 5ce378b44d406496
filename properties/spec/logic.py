"""The two-valued vocabulary the spec's definitions are written in: `Logic` over Python values (`PY`) or,
in properties/smt, over Z3 terms. It is the spec's own copy of the protocol, so the spec depends on
nothing the model's roles define (a fault there cannot change what the spec demands)."""

from __future__ import annotations

from typing import Any, Protocol

Term = Any  # an int/bool under PY, a Z3 expression under the SMT logic


class Logic(Protocol):
    """If-then-else, connectives, modulus and min/max: all the spec's definitions need."""

    def ite(self, cond: Term, then: Term, other: Term) -> Term: ...
    def and_(self, *xs: Term) -> Term: ...
    def or_(self, *xs: Term) -> Term: ...
    def not_(self, x: Term) -> Term: ...
    def mod(self, x: Term, m: int) -> Term: ...
    def min_(self, x: Term, y: Term) -> Term: ...
    def max_(self, x: Term, y: Term) -> Term: ...


class _Py:
    """Concrete evaluation on Python ints and bools."""

    def ite(self, cond: Term, then: Term, other: Term) -> Term:
        return then if cond else other

    def and_(self, *xs: Term) -> Term:
        return all(xs)

    def or_(self, *xs: Term) -> Term:
        return any(xs)

    def not_(self, x: Term) -> Term:
        return not x

    def mod(self, x: Term, m: int) -> Term:
        return x % m

    def min_(self, x: Term, y: Term) -> Term:
        return x if x <= y else y

    def max_(self, x: Term, y: Term) -> Term:
        return x if x >= y else y


PY: Logic = _Py()

__all__ = ["PY", "Logic", "Term"]
