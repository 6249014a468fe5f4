"""Names and expressions: XLSForm's ``${name}`` references renamed to ours, checked against ``schemas.expr``.

An expression outside the supported subset is not guessed at: the caller
gets the reason and drops the rule, saying so in the report.
"""

from __future__ import annotations

import re

from schemas.expr import ExpressionError, parse

NAME_OK = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
REF = re.compile(r"\$\{([^}]*)\}")
COLUMN_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")  # a choices sheet column a choice filter can read


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

    def translate(self, source: str, *, choice_filter: bool = False) -> tuple[str | None, str | None]:
        """(our expression, None) or (None, why it cannot be converted).

        ``choice_filter``: ``source`` is already a choice filter in our words (``@column``)."""
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
            parse(text, choice_filter=choice_filter)
        except ExpressionError as exc:
            return None, f"'{source}' is outside the supported expression subset: {exc.reason}"
        return text, None

    def translate_filter(self, source: str, columns: set[str]) -> tuple[str | None, str | None]:
        """A ``choice_filter``: its bare names are columns of the choices sheet (``name``: the choice's
        own), written ``@column`` in ours; ``columns``: those the question's choice list has."""
        used: list[str] = []

        def column(m: re.Match[str]) -> str:
            if m.lastgroup != "name" or m.group() in _KEYWORDS:
                return m.group()
            used.append(m.group())
            return "@" + m.group()

        text = _FILTER_TOKEN.sub(column, source.replace("\n", " "))
        unknown = [c for c in used if c != "name" and c not in columns]
        if unknown:
            have = ", ".join(sorted(columns)) or "none besides name"
            return None, f"'{unknown[0]}' is not a column of the choices sheet for this list (it has: {have})"
        return self.translate(text, choice_filter=True)


# XPath's pieces in a choice filter: texts and ${refs} are left alone, a function keeps its name, and
# a bare name is a column of the choices sheet.
_FILTER_TOKEN = re.compile(
    r"""(?P<str>'[^']*'|"[^"]*")
  | (?P<ref>\$\{[^}]*\})
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<func>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*(?=\s*\())
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "div", "mod"}
