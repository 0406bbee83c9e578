"""Leaves out, in the course's own processes, an import that costs a second and checks nothing here.

nbgrader imports nbformat, whose notebook validator imports jsonschema's format checkers. Where
rfc3987-syntax is installed (jupyter-events asks for it), jsonschema imports it for the "iri" and
"iri-reference" formats, and it builds about 35 Earley parsers as it loads: 1.1 s on a 2-core
machine, in every course.py command and in every nbgrader command it starts (jsonschema issue
#1428). No schema of nbformat, nbgrader or Jupyter's servers uses those two formats. Marked absent
(None in sys.modules: its import raises ImportError), jsonschema leaves them unchecked, as it does
wherever rfc3987-syntax is not installed; every other format is checked as before.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)

# `python -c NBGRADER_MAIN <args>`: `python -m nbgrader <args>` (nbgrader's own command line) without them.
NBGRADER_MAIN = (f"import runpy, sys; [sys.modules.setdefault(name, None) for name in {UNUSED!r}]; "
                 "runpy.run_module('nbgrader', run_name='__main__', alter_sys=True)")


def skip_unused_imports() -> None:
    """Call before nbgrader or nbformat is imported."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)
