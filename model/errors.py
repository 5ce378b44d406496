"""Errors of the model: malformed input (DecodeError) versus misuse by the caller (ModelUsageError)."""

from __future__ import annotations


class DecodeError(Exception):
    """Malformed bytes. `offset` is absolute in the outermost buffer; the codec raises nothing else."""

    def __init__(self, offset: int, layer: str, field: str, reason: str) -> None:
        super().__init__(f"{layer}.{field} at offset {offset}: {reason}")
        self.offset = offset
        self.layer = layer
        self.field = field
        self.reason = reason
        self.frame_index: int | None = None

    def context(self, data: bytes, width: int = 16) -> str:
        """A hex line around the offset with a caret under the offending byte."""
        start = max(0, self.offset - self.offset % width)
        chunk = data[start : start + width]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        caret = " " * (3 * (self.offset - start)) + "^"
        return f"{start:06x}  {hexes}\n        {caret} {self.reason}"

    def __reduce__(self) -> tuple[type[DecodeError], tuple[int, str, str, str]]:
        return (DecodeError, (self.offset, self.layer, self.field, self.reason))


class CaptureError(Exception):
    """A file that is not a readable capture (wrong magic, unreadable header). Exit code 2 material."""

    def __init__(self, path: str, offset: int, reason: str) -> None:
        super().__init__(f"{path}: {reason} (at byte {offset})")
        self.path = path
        self.offset = offset
        self.reason = reason


class ModelUsageError(Exception):
    """The caller used the model wrongly (an illegal API call, a bad scenario): a local error, not input."""
