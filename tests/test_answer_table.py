"""Class 10: a table of answers earns nothing at grading (per-student inputs, autograder/variants.py).

The attack: a student runs check() at home, records every input the checks hand to
their functions, and hands in code that answers right for exactly those inputs (here:
the reference solution, asked only for recorded inputs) and wrong for any other. The
same works with answers copied from a classmate's feedback. It earns a check exactly
when the check asks the same question at grading as at home.

The test records the inputs of a local run (public checks, seed 0), grades the table at
class grading (hidden checks too, a grading's seed, in the sandbox), and grades the same
code with an empty table. A check that the table passes and the empty table fails is a
question that a table can answer: there must be none. The same holds for a table taken
at one class grading (every question it asked, hidden ones included: more than its
feedback ever shows) and handed in for the next: every grading draws a fresh seed
(autograder/variants.py), so the next one asks other questions.

What it does not cover: answers that do not depend on the inputs at all (an exercise
whose right answer is a constant would need a different check, not different inputs).
"""

from __future__ import annotations

import ast

import pytest

from conftest import copy_solutions
from linear_checks.exercises import EXERCISES
from linear_checks.runner import run_checks
from linear_checks.sandbox import Sandbox

# Where the answer does not depend on a module's values (a count; an init, which overwrites them), the table
# keys a module on its structure alone, as a student would: the strongest table for that exercise.
STRUCTURE_ONLY = {"param_count.py", "initialization.py"}
STUDENT_SEED = 987_654_321  # any seed but 0, as a student's at class grading
# The speed checks time the student's code against the grader's own, side by side. The table's bookkeeping (a
# hash of every input, on every call) is part of what they time, and what they judge is no answer a table holds.
TIMED = {"low_rank.test_forward_costs_what_its_factors_cost", "backward.test_as_fast_as_the_matrix_products"}

# Appended to each exercise module of the reference package: its public functions answer from
# the table (or record their inputs when RECORD names a file).
ATTACK = '''

# --- a table of answers, appended by tests/test_answer_table.py (only what the exercise files may import) ---
_TABLE = set(TABLE_LIST)
_RECORD = RECORD_PATH
_VALUES = KEY_VALUES  # whether a module's key holds its values or only its structure


def _key_of(value, depth=0):
    import torch as _t
    if depth > 6:
        return type(value).__name__
    if isinstance(value, _t.Tensor):
        data = value.detach().cpu().contiguous().reshape(-1)
        raw = data.view(_t.uint8).to(_t.int64) if data.numel() else data.to(_t.int64)
        place = _t.arange(1, raw.numel() + 1, dtype=_t.int64)
        return ("T", tuple(value.shape), str(data.dtype), int(raw.sum()), int((raw * place % 1_000_003).sum()))
    if isinstance(value, _t.nn.Module):
        return ("M", tuple((k, type(m).__name__) for k, m in value.named_modules()),
                tuple((k, _key_of(v, depth + 1) if _VALUES else tuple(v.shape))
                      for k, v in value.state_dict().items()))
    if isinstance(value, (list, tuple)):
        return tuple(_key_of(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _key_of(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, (int, float, bool, str, type(None))):
        return repr(value)
    return type(value).__name__


def _table_wrap(name, real):
    def answer(*args, **kwargs):
        key = repr((name, _key_of(args), _key_of(kwargs)))
        if _RECORD:
            with open(_RECORD, "r+") as log:  # the file exists: a run may not create one (confine.py)
                log.seek(0, 2)
                log.write(key + "\\n")
            return real(*args, **kwargs)
        if key in _TABLE:
            return real(*args, **kwargs)
        return None  # a question the table does not hold: no answer
    answer.__name__, answer.__doc__ = real.__name__, real.__doc__
    return answer

'''


def _wrapping(code: str) -> str:
    """Code that wraps the module's public functions and its classes' public methods, each named in full."""
    lines = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            lines.append(f"{node.name} = _table_wrap({node.name!r}, {node.name})")
        if not isinstance(node, ast.ClassDef):
            continue
        for method in node.body:
            if not isinstance(method, ast.FunctionDef) or method.name.startswith("_") or method.name == "backward":
                continue  # `X.backward` in the file breaks exercise 6's rule; LinearFunction calls linear_backward
            name = f"{node.name}.{method.name}"
            kinds = {getattr(d, "id", "") for d in method.decorator_list}
            if "staticmethod" in kinds:
                lines.append(f"{name} = staticmethod(_table_wrap({name!r}, {name}))")
            elif "classmethod" in kinds:
                lines.append(f"{name} = classmethod(_table_wrap({name!r}, {name}.__func__))")
            elif not kinds:
                lines.append(f"{name} = _table_wrap({name!r}, {name})")
    return "".join(line + "\n" for line in lines)


def _attacker(root, table: list[str], record: str = "") -> None:
    """Each exercise module's public functions and methods answer from the table (named one by one: a computed
    name would break exercise 6's rule and void the exercise, which would test nothing)."""
    for exercise in EXERCISES:
        module = root / "linear_exercises" / exercise.module
        code = module.read_text()
        attack = ATTACK.replace("TABLE_LIST", repr(sorted(table))).replace("RECORD_PATH", repr(record))
        attack = attack.replace("KEY_VALUES", repr(exercise.module not in STRUCTURE_ONLY))
        attack += _wrapping(code)
        module.write_text(code + attack)


def _passed(results) -> dict[str, bool]:
    return {c.name: c.passed for r in results for c in r.checks}


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> list[str]:
    """What a student records at home: the inputs of every public check (seed 0, as check() runs them)."""
    home = copy_solutions(tmp_path_factory.mktemp("home"))
    log = home / "inputs.txt"
    log.touch()
    _attacker(home, [], str(log))
    box = Sandbox(isolate=False)  # at home: no sandbox, so the record reaches the file
    try:
        results = run_checks(package_root=home, sandbox=box)
    finally:
        box.close()
    failed = {c.name: c.message[:300] for r in results for c in r.checks if not c.passed and c.name not in TIMED}
    failed.update({r.key: r.error for r in results if r.error})
    assert not failed, f"recording changed the answers: {failed}"
    recorded = sorted(set(log.read_text().splitlines()))
    assert len(recorded) > 50, "too few inputs recorded: the recording did not work"
    return recorded


def test_a_table_of_answers_from_a_local_run_earns_no_check_at_grading(table, grade_package, tmp_path):
    attacked = copy_solutions(tmp_path / "table")
    _attacker(attacked, table)
    empty = copy_solutions(tmp_path / "empty")
    _attacker(empty, [])
    with_table = _passed(grade_package(attacked, hidden=True, seed=STUDENT_SEED))
    without = _passed(grade_package(empty, hidden=True, seed=STUDENT_SEED))
    earned = sorted(name for name, ok in with_table.items() if ok and not without.get(name, False))
    assert earned == [], f"a table of answers recorded at home passes these checks at grading: {earned}"


def test_the_same_table_answers_the_local_run(table, grade_package, tmp_path):
    """The attack is real: at home (seed 0) the table passes every public check."""
    attacked = copy_solutions(tmp_path / "table")
    _attacker(attacked, table)
    results = grade_package(attacked, hidden=False, seed=0)
    failed = [c.name for r in results for c in r.checks if not c.passed and c.name not in TIMED]
    assert failed == [], failed


OTHER_GRADING_SEED = 123_456_789  # the seed of an earlier grading of the same student (variants.grading_seed())


def test_a_table_taken_at_one_grading_earns_no_check_at_the_next(grade_package, tmp_path):
    """Resubmitting with the answers of an earlier grading (every input its checks asked, hidden ones included,
    recorded as if the feedback had shown them all) earns nothing: the next grading draws another seed."""
    earlier = copy_solutions(tmp_path / "earlier")
    log = earlier / "inputs.txt"
    log.touch()
    _attacker(earlier, [], str(log))
    box = Sandbox(isolate=False)  # no sandbox, so the record reaches the file
    try:
        results = run_checks(package_root=earlier, sandbox=box, hidden=True, seed=OTHER_GRADING_SEED)
    finally:
        box.close()
    failed = {c.name: c.message[:300] for r in results for c in r.checks if not c.passed and c.name not in TIMED}
    assert not failed and not [r.error for r in results if r.error], f"recording changed the answers: {failed}"
    harvested = sorted(set(log.read_text().splitlines()))
    assert len(harvested) > 50, "too few inputs recorded: the recording did not work"
    attacked = copy_solutions(tmp_path / "table")
    _attacker(attacked, harvested)
    empty = copy_solutions(tmp_path / "empty")
    _attacker(empty, [])
    same_seed = grade_package(attacked, hidden=True, seed=OTHER_GRADING_SEED)  # the old rule: one seed per student
    assert [c.name for r in same_seed for c in r.checks if not c.passed and c.name not in TIMED] == []
    with_table = _passed(grade_package(attacked, hidden=True, seed=STUDENT_SEED))
    without = _passed(grade_package(empty, hidden=True, seed=STUDENT_SEED))
    earned = sorted(name for name, ok in with_table.items() if ok and not without.get(name, False))
    assert earned == [], f"a table of answers from an earlier grading passes these checks at the next: {earned}"
