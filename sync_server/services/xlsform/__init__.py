"""Convert an XLSForm workbook (ODK / KoboToolbox) into a fieldtally form definition.

Teams that already keep their questionnaires as XLSForms can bring them over
instead of retyping them. The converter reads the ``survey``, ``choices`` and
``settings`` sheets (``workbook.py``), ``label::language`` columns, the
question types fieldtally has, and ``relevant`` / ``constraint`` /
``required`` / ``calculation`` in the expression subset of ``schemas.expr``
(``expressions.py``), ``choice_filter`` on select questions (its bare names are
the choices sheet's extra columns, ``name`` the choice's own; only the columns
a filter reads are kept, on that question's choices; a filter naming a column
the sheet lacks is reported on its row and every choice is offered), groups
(as sections) and repeats (``structure.py``),
and builds the definition (``convert.py``; the types it has in
``question_types.py``, the form's id, version, title and counting date in
``form_settings.py``). What it cannot convert it says, row by row, instead of guessing: a form that silently
lost a repeat would count the wrong people. A skipped row the workbook marks
required is flagged, and ``--publish`` refuses such a form unless asked.

Problems have three levels (``report.py``):

- ``error``: the form cannot be built (no usable date question, a broken
  reference ...). Nothing is written or published.
- ``skipped``: a row (or a whole repeat) is left out, with the reason.
- ``changed``: the row is kept but adapted (a group flattened, a name
  lower-cased, a column ignored); read these before publishing.

A workbook that cannot be read at all raises ``XLSFormError`` (a
``ServerError``). Publishing goes through ``services.catalog.publish_form``;
the command is ``fieldtally-server import-xlsform`` (``sync_server/cli/import_xlsform.py``).
"""

from ...errors import XLSFormError
from .convert import convert
from .report import Conversion, Problem

__all__ = ["Conversion", "Problem", "XLSFormError", "convert"]
