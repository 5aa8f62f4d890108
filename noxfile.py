"""Sessions: `nox` runs lint, typecheck, tests, compiled (the tests again, on the mypyc build)
and integration; `nox -s build` releases the corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "compiled", "integration"]
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml("pyproject.toml")
OFFLINE = {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
#: the build hook that compiles pre-annotation's hot modules with mypyc (pyproject.toml)
MYPYC = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["mypyc"]
COMPILE = {"HATCH_BUILD_HOOK_ENABLE_MYPYC": "true"}
DEPENDENCIES = PYPROJECT["project"]["dependencies"]  # installed apart: khabar itself is built once
WHEEL_SOURCES = ("pyproject.toml", "README.md", "src", "schemas")  # what a wheel is built from


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and common bugs with ruff, and that stages import only downward
    (import-linter's contracts in pyproject.toml)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "src", "tests", "benchmarks", "tools", "noxfile.py")
    # the contracts are read from the source (src/ on the path), not from an installed khabar
    session.run("lint-imports", env={"PYTHONPATH": "src"})


@nox.session
def typecheck(session: nox.Session) -> None:
    """Check types with mypy (strict)."""
    session.install("-e.", *nox.project.dependency_groups(PYPROJECT, "typecheck"))
    session.run("mypy")


def install_name_data(session: nox.Session) -> None:
    """The two packages whose name lists tools/derive_names.py reads, without what they
    need to run (pyproject.toml, group `names`)."""
    session.install("--no-deps", *nox.project.dependency_groups(PYPROJECT, "names"))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the fast test suite (no Label Studio server)."""
    session.install("-e.", *nox.project.dependency_groups(PYPROJECT, "test"))
    install_name_data(session)
    session.run("pytest", "-m", "not integration and not slow", *session.posargs, env=OFFLINE)


def install_compiled(session: nox.Session) -> None:
    """Install khabar built with its mypyc hook, and fail unless the modules did compile."""
    # Built from a copy: the hook compiles in place, and compiled modules left in src/ would
    # shadow the sources in every editable install.
    copy = Path(session.virtualenv.location) / "khabar-source"  # not create_tmp: it sets TMPDIR
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for part in WHEEL_SOURCES:
        if Path(part).is_dir():
            shutil.copytree(part, copy / part, symlinks=True)
        else:
            shutil.copy2(part, copy / part)
    # --force-reinstall: pip would keep an installed build of the same version
    session.install("--force-reinstall", "--no-deps", str(copy), env=COMPILE)
    modules = [".".join(Path(path).with_suffix("").parts[1:]) for path in MYPYC["include"]]
    session.run("python", "-c", CHECK_COMPILED, *modules)


CHECK_COMPILED = """
import importlib, sys
pure = [m for m in sys.argv[1:] if importlib.import_module(m).__file__.endswith(".py")]
sys.exit(f"not compiled: {', '.join(pure)}" if pure else None)
"""


@nox.session
def compiled(session: nox.Session) -> None:
    """Run the fast test suite against the mypyc-compiled build (needs a C compiler)."""
    session.install(*DEPENDENCIES, *nox.project.dependency_groups(PYPROJECT, "test"))
    install_name_data(session)
    install_compiled(session)
    session.run("pytest", "-m", "not integration and not slow", *session.posargs, env=OFFLINE)


@nox.session
def integration(session: nox.Session) -> None:
    """Run the slow tests and those that talk to a real Label Studio server, started here and
    stopped after; the browser test drives Debian's chromium (installed here when missing, as
    root) and saves its screenshots in $KHABAR_ARTEFACTS (default build/artefacts/)."""
    session.install("-e.", *nox.project.dependency_groups(PYPROJECT, "test"))
    install_chromium(session)
    session.run("pytest", "-m", "integration or slow", *session.posargs, env=OFFLINE)


def install_chromium(session: nox.Session) -> None:
    """Debian's chromium and chromium-driver, for selenium; where they cannot be installed (not
    root, no apt-get) the browser test skips and says why."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        session.warn("no chromium/chromedriver and no root apt-get: the browser test will be skipped")
        return
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    packages = ["chromium", "chromium-driver", "fonts-noto-core"]  # the fonts: Arabic in the screenshots
    # apt-get fails with 100 (no network, no such package): the browser test then skips, saying why
    session.run("apt-get", "update", "-q", external=True, env=env, success_codes=[0, 100])
    session.run("apt-get", "install", "-y", "-q", *packages, external=True, env=env, success_codes=[0, 100])


@nox.session(default=False)
def gazetteers(session: nox.Session) -> None:
    """Derive the name lists and calendar words from Babel, pycountry, pyarabic and hijridate, and
    the candidate person names and actors (tools/derive_names.py) and towns (tools/derive_towns.py)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "derive"))
    install_name_data(session)
    session.run("python", "tools/derive_gazetteers.py", *session.posargs)


@nox.session(default=False)
def lexicon(session: nox.Session) -> None:
    """Derive candidate event triggers (src/khabar/data/lexicon/candidates/derived-events.yaml) from the
    PETRARCH Arabic verb dictionaries and the CAMEO->PLOVER crosswalk; posargs: the external
    folder (default ../shared/data/external), --check."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "derive"))
    session.run("python", "tools/derive_lexicon.py", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build a release of this repository's corpus into build/ (the README's main job)."""
    session.install(".")
    session.run("khabar", "build", env=OFFLINE)


BENCHMARKS = {  # name: script in benchmarks/ and its sizes (tests/test_benchmarks.py runs tiny ones)
    "preannotate": ["bench_preannotate.py", "20"],  # MB (and pairs of runs: 3)
    "release": ["bench_release.py", "10000"],  # documents
    "crf": ["bench_crf.py", "5400", "5"],  # documents (400 held out), MB tagged with the model
    "studio": ["bench_studio.py", "5000"],  # documents
    "scale": ["bench_scale.py", "1000", "10000", "100000"],  # articles
    "store": ["bench_store.py", "100000", "1000000"],  # documents
}


@nox.session(default=False)
def benchmarks(session: nox.Session) -> None:
    """Measure throughput and peak memory: `nox -s benchmarks -- [name [size ...] ...]` (all, at
    the sizes in BENCHMARKS, by default; sizes after a name replace its own).

    It measures the compiled build (see `compiled`), the one to ship; the scripts say which
    build they ran, and run as they are in any environment with khabar installed. `studio`
    starts its own Label Studio server (`khabar studio`), installed on first use (a few minutes)."""
    runs: list[list[str]] = []
    for arg in session.posargs:
        if arg in BENCHMARKS:
            runs.append([arg])
        elif runs:
            runs[-1].append(arg)
        else:
            session.error(f"no benchmark {arg!r}: choose from {', '.join(BENCHMARKS)}")
    session.install(*DEPENDENCIES, *PYPROJECT["project"]["optional-dependencies"]["cluster"])
    install_compiled(session)
    for name, *sizes in runs or [[name] for name in BENCHMARKS]:
        script, *default = BENCHMARKS[name]
        # by path, from the project folder: a script finds common.py and sources/ from its own path
        session.run("python", f"benchmarks/{script}", *(sizes or default), env=OFFLINE)
