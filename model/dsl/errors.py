"""Errors of the scenario language: every one points at a line and column of the file (principle 5).

A bad scenario is the caller's mistake, so both classes are `ModelUsageError`s (principle 7).
"""

from __future__ import annotations

from mip6check.model.errors import ModelUsageError


class ScenarioError(ModelUsageError):
    """A scenario that parses but means nothing runnable (unknown name, duplicate, time going back)."""

    def __init__(
        self, line: int, column: int, message: str, hint: str = "", filename: str = "<string>"
    ) -> None:
        super().__init__(f"{filename}:{line}:{column}: {message}" + (f" ({hint})" if hint else ""))
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
        self.filename = filename

    def context(self, text: str) -> str:
        """The offending source line with a caret under the column, then the message and hint."""
        lines = text.splitlines() or [""]
        src = lines[self.line - 1] if 1 <= self.line <= len(lines) else ""
        caret = " " * (max(self.column, 1) - 1) + "^"
        out = f"{self.line:>4} | {src}\n     | {caret} {self.message}"
        if self.hint:
            out += f"\n     | hint: {self.hint}"
        return out

    def one_line(self) -> str:
        """`file:line:col: message (hint)`: the single stderr line of exit code 2."""
        return str(self)

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[int, int, str, str, str]]:
        return (type(self), (self.line, self.column, self.message, self.hint, self.filename))


class ScenarioSyntaxError(ScenarioError):
    """Text that does not follow the grammar: the unexpected token's position and a friendly hint."""
