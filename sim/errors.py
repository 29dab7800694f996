"""Errors that reach a user.

Every problem caused by the user's input (a scenario or experiment file, a flag, a run folder)
is raised as :class:`UserError`. The CLI prints its message on one line block and exits with
code 2, without a traceback: the message itself must say which file, which field and what is
allowed.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input; the message is shown as-is and the exit code is 2."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.render())

    def render(self) -> str:
        """One readable message: ``file:line: field: what is wrong``."""
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
        parts = [p for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message
