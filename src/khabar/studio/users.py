"""The team on a Label Studio server: annotator accounts, how many annotators see each task
(overlap), and how many documents each annotator has reviewed.

Label Studio 1.23's user API makes accounts without a password, so nobody could log in to
them. An account is made the way the organization's invite link makes one: its sign-up
form, with the invite token an admin's API key can read, which also puts the user in the
organization, and so in every project. Then khabar logs in with the new password to prove
that it works. Passwords go to the server and nowhere else: never printed, logged or written.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from khabar.corpus.project import Project
from khabar.errors import KhabarError, StudioError
from khabar.studio.client import Studio
from khabar.studio.sync import connect, guidelines, project_title

#: Label Studio's own limits (AUTH_PASSWORD_MIN_LENGTH, PasswordLengthValidator)
PASSWORD_LENGTH = (8, 128)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: the environment variable a script can pass the password in
PASSWORD_ENV = "KHABAR_ANNOTATOR_PASSWORD"
FORM_ERRORS = re.compile(r'<ul class="field_errors">(.*?)</ul>', re.S)
ITEM = re.compile(r"<li>(.*?)</li>", re.S)


@dataclass(frozen=True, slots=True)
class Account:
    """An annotator's account on a server, proved by logging in with its password."""

    email: str
    url: str


def check_password(email: str, password: str) -> None:
    """Refuse an address or password the server would refuse, before anything is made."""
    if not EMAIL.fullmatch(email):
        raise KhabarError(f"{email!r} is not an e-mail address", hint="annotators log in with their e-mail")
    low, high = PASSWORD_LENGTH
    if not low <= len(password) <= high:
        raise KhabarError(
            f"the password for {email} has {len(password)} characters; Label Studio wants {low} to {high}",
            hint="choose a longer one (a passphrase of four words is easy to type and hard to guess)",
        )
    if password.lower() in email.lower():
        raise KhabarError(f"the password for {email} is part of the address", hint="choose another one")


def password_from_file(path: Path) -> str:
    """The password on the first line of ``path`` (the line break is not part of it)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise KhabarError(f"cannot read the password file {path}: {err.strerror or err}") from err
    if not lines or not lines[0]:
        raise KhabarError(f"the password file {path} is empty", hint="put the password on its first line")
    return lines[0]


def add(project: Project, email: str, password: str) -> Account:
    """Make an annotator account on the project's server (local, or LABEL_STUDIO_URL)."""
    check_password(email, password)
    return create_account(connect(project), email.lower(), password)


def create_account(studio: Studio, email: str, password: str) -> Account:
    """Make the account through the invite link's sign-up form, then log in with it.

    Everything that can fail before the account exists is checked first (the admin key,
    an existing account, the invite token), so a refusal leaves nothing half-made."""
    if email in studio.members():
        raise StudioError(
            f"{email} already has an account on {studio.url}",
            hint="they log in with the password they chose; an admin resets it on the server with "
            "`label-studio reset_password --username EMAIL`",
        )
    token = studio.invite_token()
    page = f"/user/signup/?token={token}"
    with _reaching(studio.url), _client(studio.url) as web:
        web.get(page)
        answer = web.post(
            page,
            data=_form(web, email, password),
            headers={"Referer": f"{studio.url}/user/signup/"},
        )
    if answer.status_code == 403:
        raise StudioError(
            f"Label Studio at {studio.url} refused the organization's invite token",
            hint="the invite link may have just been reset; run the command again",
        )
    if answer.status_code != 302:
        blocks = FORM_ERRORS.findall(answer.text)
        reasons = [html.unescape(item).strip() for block in blocks for item in ITEM.findall(block)]
        reason = "; ".join(reasons) or f"status {answer.status_code}"
        if "already exists" in reason:
            raise StudioError(
                f"{email} already has an account on {studio.url} (in another organization)",
                hint="ask the server's admin, or choose another address",
            )
        raise StudioError(f"Label Studio at {studio.url} refused the account {email}: {reason}")
    with session(studio.url, email, password):
        pass  # the new password works
    if email not in studio.members():
        raise StudioError(
            f"{email} can log in to {studio.url} but is not in the organization of khabar's API key",
            hint="use an API key of the organization the annotators work in",
        )
    return Account(email, studio.url)


@contextmanager
def session(url: str, email: str, password: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in to Label Studio as ``email`` (cookies and CSRF header set),
    as the annotator's browser is."""
    with _reaching(url), _client(url) as web:
        web.get("/user/login/")
        answer = web.post(
            "/user/login/", data=_form(web, email, password), headers={"Referer": f"{url}/user/login/"}
        )
        if answer.status_code != 302:
            raise StudioError(
                f"Label Studio at {url} refused the e-mail and password of {email}",
                hint="check the password (an admin resets it with `label-studio reset_password`)",
            )
        web.headers.update({"X-CSRFToken": web.cookies.get("csrftoken") or "", "Referer": f"{url}/"})
        yield web


@contextmanager
def _reaching(url: str) -> Iterator[None]:
    """Failing to reach the server, said in one line."""
    try:
        yield
    except httpx.HTTPError as err:
        raise StudioError(
            f"Label Studio at {url} cannot be reached ({err})",
            hint="is the server running, and is the address right?",
        ) from err


def _form(web: httpx.Client, email: str, password: str) -> dict[str, str]:
    return {"csrfmiddlewaretoken": web.cookies.get("csrftoken") or "", "email": email, "password": password}


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, follow_redirects=False)


def set_overlap(project: Project, annotators: int) -> None:
    """Have ``annotators`` people annotate every task of the project (Label Studio's
    maximum annotations per task, for all tasks: the overlap cohort is 100%)."""
    if annotators < 1:
        raise KhabarError(f"--overlap {annotators}: at least one annotator must see each task")
    studio = connect(project)
    remote = studio.project(project_title(project), project.scheme(), guidelines(project))
    studio.set_overlap(remote, annotators)


def reviewed_by(project: Project) -> Counter[str]:
    """Annotator -> how many documents they reviewed (review layers on the current text)."""
    counts: Counter[str] = Counter()
    for doc, layers in project.store().items():
        current = (x for x in layers if x.kind == "review" and x.text_sha256 == doc.sha256)
        counts.update({x.provenance.producer for x in current})
    return counts
