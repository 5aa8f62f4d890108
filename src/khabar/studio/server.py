"""A local Label Studio server for a project, and how khabar finds the server to talk to.

``start`` installs Label Studio into its own virtual environment (once per machine,
under ``~/.cache/khabar``), keeps its SQLite data, log, credentials and pid in the
project's ignored state folder (``.khabar/studio``), listens on 127.0.0.1 unless asked to
serve other machines (``host``), and switches off every outbound call (version check,
Sentry, analytics). A team's own server
is used instead when LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY are set.

Tokens and passwords live in files of mode 0600 under ``.khabar/``; khabar never prints
them, it prints where they are.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from khabar.corpus.atomic import atomic_write
from khabar.errors import StudioError

LS_VERSION = "1.23.2"
USERNAME = "admin@khabar.local"
OFFLINE_ENV = {
    "LATEST_VERSION_CHECK": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "COLLECT_ANALYTICS": "false",
}
# Label Studio reads these unprefixed names too; a stray PORT would move the server.
LEAKY_ENV = ("HOST", "PORT", "USERNAME", "PASSWORD")
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Connection:
    """Where Label Studio is and how to authenticate; ``origin`` says where it came from."""

    url: str
    api_key: str
    origin: str


@dataclass(frozen=True, slots=True)
class LocalServer:
    home: Path
    url: str
    pid: int
    username: str
    host: str = LOOPBACK  # the address it listens on; the url is how khabar reaches it

    @property
    def exposed(self) -> bool:
        """Whether other machines can reach it."""
        return not ipaddress.ip_address(self.host).is_loopback

    @property
    def token_file(self) -> Path:
        return self.home / "token"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"


def venv_dir() -> Path:
    """Where the Label Studio environment lives (``KHABAR_LS_VENV`` overrides)."""
    override = os.environ.get("KHABAR_LS_VENV")
    if override:
        return Path(override)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "khabar" / f"label-studio-{LS_VERSION}"


def ensure_installed(venv: Path | None = None) -> Path:
    """The ``label-studio`` executable, installed first if needed (about two minutes, once)."""
    venv = venv or venv_dir()
    executable = venv / "bin" / "label-studio"
    complete = venv / "khabar-installed"  # written last: an install that was cut short is redone
    ours = not os.environ.get("KHABAR_LS_VENV")  # one the user points at is used as it is
    if complete.exists() or (executable.exists() and not ours):
        return executable
    if ours:
        shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / f"install-{LS_VERSION}.log"
    with log.open("w") as out:
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"label-studio=={LS_VERSION}"],
        ]
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise StudioError(f"installing Label Studio {LS_VERSION} failed", hint=f"see {log}")
    complete.write_text(f"label-studio=={LS_VERSION}\n")
    return executable


def _secret(path: Path, make: str) -> str:
    """The secret kept at ``path`` (mode 0600), made from ``make`` the first time. Written
    in full under another name and linked into place, so a killed process never leaves an
    empty secret, and two processes agree on the first one written."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(make)
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def _free_port(preferred: int, host: str = LOOPBACK) -> int:
    family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    for port in range(preferred, preferred + 100):
        with socket.socket(family) as probe:
            try:
                probe.bind((host, port))
            except OSError as err:
                if err.errno == errno.EADDRNOTAVAIL:
                    raise StudioError(
                        f"--host {host}: not an address of this machine",
                        hint="give one of its addresses (`hostname -I`), or 0.0.0.0 for all of them",
                    ) from err
                continue
            return port
    raise StudioError(f"no free port between {preferred} and {preferred + 99}")


def _address(host: str) -> str:
    """``host`` as an IP address, checked (Label Studio binds to it as given)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise StudioError(
            f"--host {host!r} is not an IP address",
            hint="give the address other machines reach this one at (`hostname -I`), or 0.0.0.0 for all",
        ) from None


def _reach(host: str, port: int) -> str:
    """The url khabar itself uses: loopback when the server listens on every address."""
    ip = ipaddress.ip_address(host)
    if ip.is_unspecified:
        return f"http://{LOOPBACK}:{port}"
    return f"http://[{ip}]:{port}" if ip.version == 6 else f"http://{ip}:{port}"


def team_url(server: LocalServer) -> str:
    """The url annotators on other machines open (for 0.0.0.0: this machine's main address)."""
    ip = ipaddress.ip_address(server.host)
    if not ip.is_unspecified:
        return server.url
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: picks the outgoing interface, sends nothing
            address = str(probe.getsockname()[0])
        except OSError:
            address = socket.gethostname()
    return f"http://{address}:{server.url.rsplit(':', 1)[1]}"


def exposure(server: LocalServer) -> str | None:
    """The one-line warning about what serving other machines exposes (None on loopback)."""
    if not server.exposed:
        return None
    every = ipaddress.ip_address(server.host).is_unspecified
    where = f"{server.host} (every address of this machine)" if every else server.host
    return (
        f"warning: Label Studio listens on {where}, port {server.url.rsplit(':', 1)[1]}: anyone who can "
        "reach it sees the login page, and every account sees all the project's articles; keep the admin "
        f"password (in {server.password_file}) strong and private, and serve only networks you trust"
    )


def _get(url: str, token: str | None = None, timeout: float = 5) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError):
        return 0


def status(home: Path) -> LocalServer | None:
    """The project's running local server, or None."""
    state = home / "server.json"
    if not state.exists():
        return None
    info = json.loads(state.read_text())
    try:
        os.kill(info["pid"], 0)
    except (ProcessLookupError, PermissionError):
        return None
    if _get(f"{info['url']}/health") != 200:
        return None
    return LocalServer(home, info["url"], info["pid"], info["username"], info.get("host", LOOPBACK))


def start(
    home: Path, *, port: int = 8080, host: str = LOOPBACK, timeout: float = 300, venv: Path | None = None
) -> LocalServer:
    """Start (or find running) the project's local Label Studio and wait until it answers.

    It listens on ``host``: loopback by default; another address (0.0.0.0: all of them)
    serves other machines, and ``exposure`` says what that exposes."""
    host = _address(host)
    running = status(home)
    if running:
        if running.host != host:
            raise StudioError(
                f"the project's Label Studio already runs, listening on {running.host}",
                hint=f"stop it with `khabar studio stop`, then start it again with --host {host}",
            )
        return running
    try:
        return _launch(home, port, host, timeout, venv)
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise
        raise StudioError(f"cannot start Label Studio: {err}") from err


def _launch(home: Path, port: int, host: str, timeout: float, venv: Path | None) -> LocalServer:
    _free_port(port, host)  # a wrong address is said before a long install
    executable = ensure_installed(venv)
    home.mkdir(parents=True, exist_ok=True)
    token = _secret(home / "token", secrets.token_hex(20))
    password = _secret(home / "password", secrets.token_urlsafe(16))
    port = _free_port(port, host)
    url = _reach(host, port)
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(OFFLINE_ENV)
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(home / "data"),
            "LABEL_STUDIO_USERNAME": USERNAME,
            "LABEL_STUDIO_PASSWORD": password,
            "LABEL_STUDIO_USER_TOKEN": token,
        }
    )
    log = home / "server.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(executable),
                "start",
                "--no-browser",
                "--internal-host",
                host,
                "-p",
                str(port),
                "--enable-legacy-api-token",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    state = {"url": url, "pid": process.pid, "username": USERNAME, "host": host}
    atomic_write(home / "server.json", json.dumps(state))
    deadline = time.monotonic() + timeout
    while _get(f"{url}/health", timeout=2) != 200:
        if process.poll() is not None:
            raise StudioError(
                f"Label Studio stopped while starting (exit {process.returncode})",
                hint=f"see the end of {log}",
            )
        if time.monotonic() > deadline:
            stop(home)
            raise StudioError(f"Label Studio did not answer within {timeout:.0f} s", hint=f"see {log}")
        time.sleep(1)
    if _get(f"{url}/api/current-user/whoami", token) != 200:
        stop(home)
        raise StudioError(
            "the local Label Studio refused khabar's token",
            hint=f"its data in {home / 'data'} was made without it; move that folder away to start afresh",
        )
    return LocalServer(home, url, process.pid, USERNAME, host)


def stop(home: Path, timeout: float = 30) -> bool:
    """Stop the project's local server (SIGTERM, as SIGINT is ignored in the background)."""
    state = home / "server.json"
    if not state.exists():
        return False
    pid = json.loads(state.read_text())["pid"]
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        state.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    else:
        os.killpg(pid, signal.SIGKILL)
    state.unlink(missing_ok=True)
    return True


def connection(home: Path, configured_url: str | None = None) -> Connection:
    """The server to use: LABEL_STUDIO_URL/LABEL_STUDIO_API_KEY, else khabar.toml's url with
    the key from the environment, else the project's local server."""
    url = os.environ.get("LABEL_STUDIO_URL") or configured_url
    key = os.environ.get("LABEL_STUDIO_API_KEY")
    if url:
        if not key:
            raise StudioError(
                f"no API key for {url}",
                hint="set LABEL_STUDIO_API_KEY (Label Studio: Account & Settings > Access Token)",
            )
        return Connection(url.rstrip("/"), key, "environment")
    local = status(home)
    if local is None:
        raise StudioError(
            "no Label Studio server is running for this project",
            hint="start one with `khabar studio`, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY",
        )
    return Connection(local.url, local.token_file.read_text().strip(), "local")
