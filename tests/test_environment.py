"""environment.yml (conda) and pyproject.toml (pip) declare the same packages."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from conftest import REPO

CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
REQUIRED = {"jupyterlab", "torch", "torchvision", "matplotlib", "nbgrader", "pytest"}


def _split(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", spec)
    assert match, f"cannot read the package spec {spec!r}"
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


@pytest.fixture(scope="module")
def pip_specs():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    specs = project["dependencies"] + extras["instructor"] + extras["dev"]
    return dict(_split(s) for s in specs)


@pytest.fixture(scope="module")
def env():
    return yaml.safe_load((REPO / "environment.yml").read_text())


def test_environment_yml_is_standard(env):
    assert set(env) <= {"name", "channels", "dependencies", "variables", "prefix"}
    assert env["name"] and env["channels"]
    assert any(isinstance(d, str) and d.replace(" ", "") == "python=3.11" for d in env["dependencies"])


def test_same_packages_and_bounds(env, pip_specs):
    """Every package of pyproject.toml is in environment.yml: from conda-forge, or in its pip: section."""
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python=", "pip")):
            name, bound = _split(dep)
            conda[CONDA_TO_PIP.get(name, name)] = bound
        elif isinstance(dep, dict):  # the pip: section (the editable install of the course is not a package)
            conda.update(_split(d) for d in dep.get("pip", []) if not d.startswith("-"))
    assert conda == pip_specs, "environment.yml and pyproject.toml list different packages or bounds"


def test_declared_packages_present_with_lower_bounds(pip_specs):
    assert REQUIRED <= set(pip_specs)
    for name, bound in pip_specs.items():
        assert bound.startswith(">="), f"{name}: use a lower bound, not {bound!r} (no CUDA-specific pins)"


def test_conda_specs_parse():
    rattler = pytest.importorskip("rattler", reason="py-rattler is not installed")
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            rattler.MatchSpec(dep)
