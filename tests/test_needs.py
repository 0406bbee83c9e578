"""needs(): a lesson cell that uses an unsolved exercise says so in one line and lets Run All go on."""

from __future__ import annotations

import pytest



@pytest.fixture()
def needs():
    import linear_exercises

    return linear_exercises.needs


def test_unsolved_stub_prints_one_line_and_the_cell_goes_on(needs, capsys, make_stubs, tmp_path):
    stub = make_stubs.build()["manual_linear.py"]  # what a stub raises, word for word
    message = stub.split('raise NotImplementedError("')[1].split('")')[0]
    with needs("manual_linear", shows="your layer next to nn.Linear"):
        raise NotImplementedError(message)
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "Exercise 1 (manual_linear) is not done yet (linear_exercises/manual_linear.py)" in out
    assert "your layer next to nn.Linear" in out


def test_names_the_exercise_the_stub_names(needs, capsys):
    with needs("backward", shows="your gradients"):
        raise NotImplementedError("Exercise 1 (manual_linear): implement manual_linear() in linear_exercises/manual_linear.py")
    assert "Exercise 1 (manual_linear) is not done yet" in capsys.readouterr().out


def test_a_missing_result_of_an_earlier_cell(needs, capsys):
    from linear_exercises import NotDone

    with needs("init", shows="the training curves"):
        raise NotDone("the experiment above did not run")
    assert "Exercise 3 (init) is not done yet" in capsys.readouterr().out


def test_a_broken_exercise_file_is_named(needs, capsys):
    with needs("low_rank", shows="a factored layer"):
        raise ImportError("cannot import name 'LowRankLinear' from 'linear_exercises'", name="linear_exercises")
    assert "linear_exercises/low_rank.py does not import" in capsys.readouterr().out


@pytest.mark.parametrize("error", [ValueError("shapes"), ImportError("No module named 'scipy'", name="scipy")])
def test_other_errors_are_raised_as_usual(needs, error):
    with pytest.raises(type(error)):
        with needs("manual_linear", shows="anything"):
            raise error


def test_unknown_exercise_is_refused(needs):
    with pytest.raises(ValueError, match="known exercises"):
        with needs("manual_linaer", shows="anything"):
            pass
