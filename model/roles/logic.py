"""The one-model bridge (principle 1): decision code is written against `Logic`, so the same function runs
on Python ints/bools (`PY`) and, in properties/smt, on Z3 terms. model/ never imports z3."""

from __future__ import annotations

from typing import Any, Protocol

Term = Any  # an int/bool under PY, a z3 ExprRef under the SMT logic


class Logic(Protocol):
    def ite(self, cond: Term, then: Term, other: Term) -> Term: ...
    def and_(self, *xs: Term) -> Term: ...
    def or_(self, *xs: Term) -> Term: ...
    def not_(self, x: Term) -> Term: ...
    def mod(self, x: Term, m: int) -> Term: ...
    def min_(self, x: Term, y: Term) -> Term: ...
    def max_(self, x: Term, y: Term) -> Term: ...


class _Py:
    """Concrete evaluation: plain Python."""

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
