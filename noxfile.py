"""Sessions: `nox` runs lint, typecheck, tests and integration; `nox -s build` releases the corpus."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "integration"]
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml("pyproject.toml")
OFFLINE = {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and common bugs with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "src", "tests", "benchmarks", "tools", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Check types with mypy (strict)."""
    session.install("-e.", *nox.project.dependency_groups(PYPROJECT, "typecheck"))
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the fast test suite (no Label Studio server)."""
    session.install("-e.", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "-m", "not integration", *session.posargs, env=OFFLINE)


@nox.session
def integration(session: nox.Session) -> None:
    """Run the tests that talk to a real Label Studio server, started here and stopped after."""
    session.install("-e.", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "-m", "integration", *session.posargs, env=OFFLINE)


@nox.session(default=False)
def gazetteers(session: nox.Session) -> None:
    """Derive the name lists and calendar words from Babel, pycountry, pyarabic and hijridate."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "derive"))
    session.run("python", "tools/derive_gazetteers.py", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build a release of this repository's corpus into build/ (the README's main job)."""
    session.install(".")
    session.run("khabar", "build", env=OFFLINE)


BENCHMARKS = {
    "preannotate": ["bench_preannotate.py", "20"],
    "release": ["bench_release.py", "10000"],
    "crf": ["bench_crf.py"],
    "studio": ["bench_studio.py", "5000"],
    "scale": ["bench_scale.py", "1000", "10000", "100000"],
    "store": ["bench_store.py", "100000", "1000000"],
}


@nox.session(default=False)
def benchmarks(session: nox.Session) -> None:
    """Measure throughput and peak memory: `nox -s benchmarks -- [name ...]` (all by default)."""
    session.install("-e.[cluster]")
    chosen = session.posargs or list(BENCHMARKS)
    for name in chosen:
        script, *args = BENCHMARKS[name]
        session.run("python", script, *args, env=OFFLINE, chdir="benchmarks")
