"""Names and expressions: XLSForm's ``${name}`` references renamed to ours, checked against ``schemas.expr``.

An expression outside the supported subset is not guessed at: the caller
gets the reason and drops the rule, saying so in the report.
"""

from __future__ import annotations

import re

from schemas.expr import ExpressionError, parse

NAME_OK = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
REF = re.compile(r"\$\{([^}]*)\}")


def normal_name(name: str) -> str:
    n = re.sub(r"[^a-z0-9_]", "_", name.strip().lower())
    if not n or not n[0].isalpha():
        n = "q_" + n
    return n[:64]


YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0", ""}


class Expressions:
    def __init__(self, names: dict[str, str]):
        self.names = names  # XLSForm name -> our name

    def rename(self, label: str) -> str:
        """A label or hint with its ``${name}`` references renamed (unknown ones are left as typed)."""
        return REF.sub(lambda m: "${" + self.names.get(m.group(1).strip(), m.group(1)) + "}", label)

    def translate(self, source: str) -> tuple[str | None, str | None]:
        """(our expression, None) or (None, why it cannot be converted)."""
        unknown: list[str] = []

        def rename(m: re.Match[str]) -> str:
            new = self.names.get(m.group(1).strip())
            if new is None:
                unknown.append(m.group(1))
                return m.group(0)
            return "${" + new + "}"

        text = REF.sub(rename, source.replace("\n", " "))
        if unknown:
            return None, f"refers to ${{{unknown[0]}}}, which is not a converted question"
        try:
            parse(text)
        except ExpressionError as exc:
            return None, f"'{source}' is outside the supported expression subset: {exc.reason}"
        return text, None
