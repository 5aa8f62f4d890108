"""A team on a real Label Studio: annotator accounts made with `khabar studio users add`,
`khabar push --overlap`, two annotators on one task, `khabar status` by annotator, and the
refusals (existing account, wrong admin key, unreachable host, weak password)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from khabar.cli import app
from khabar.corpus.project import Project
from khabar.errors import StudioError
from khabar.studio.users import session
from tests.helpers import Record, entity_region

pytestmark = pytest.mark.integration
runner = CliRunner()


def new_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:6]}@example.org"


def add_user(email: str, password: str, made: Path, tmp_path: Path) -> Any:
    secret = tmp_path / f"{email}.password"
    secret.write_text(password + "\n")
    command = ["studio", "users", "add", email, "--password-file", str(secret), "-P", str(made)]
    return runner.invoke(app, command)


def members(server: tuple[str, str]) -> list[str]:
    client: Any = LabelStudio(base_url=server[0], api_key=server[1])  # type: ignore[no-untyped-call]
    return [str(u.email) for u in client.users.list()]


def test_users_add_makes_an_account_that_logs_in_and_sees_the_project(
    server: tuple[str, str],
    team_project: Callable[[list[Record]], Project],
    seed_record: Record,
    tmp_path: Path,
) -> None:
    made = team_project([{"id": seed_record["id"], "text": seed_record["text"]}])
    email, password = new_email("amal"), "sea lamp river stone"
    result = add_user(email, password, made.root, tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    assert f"made the account {email} on {server[0]}" in result.output
    assert f"{server[0]}/user/login/" in result.output and "khabar push --overlap" in result.output
    assert password not in result.output + result.stderr
    assert not any(password in p.read_text(errors="replace") for p in made.root.rglob("*") if p.is_file())

    assert runner.invoke(app, ["push", "-P", str(made.root)]).exit_code == 0
    with session(server[0], email, password) as web:
        assert web.get("/api/current-user/whoami").json()["email"] == email
        titles = [p["title"] for p in web.get("/api/projects").json()["results"]]
        assert str(made.setting("labelstudio", "project")) in titles


def test_users_add_asks_for_the_password_twice_without_echo_and_uses_the_local_server(
    server: tuple[str, str], hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    email, password = new_email("badr"), "quiet-orange-harbour"
    mistyped = runner.invoke(
        app, ["studio", "users", "add", email, "-P", str(hub)], input=f"{password}\n{password}x\n"
    )
    assert mistyped.exit_code != 0 and email not in members(server)
    result = runner.invoke(app, ["studio", "users", "add", email, "-P", str(hub)], input=f"{password}\n" * 2)
    assert result.exit_code == 0, result.output + result.stderr
    assert password not in result.output and email in members(server)
    with session(server[0], email, password) as web:
        assert web.get("/api/current-user/whoami").json()["email"] == email
    with (
        pytest.raises(StudioError, match=f"refused the e-mail and password of {email}"),
        session(server[0], email, password + "!"),
    ):
        pass


def test_users_add_refuses_an_existing_user_a_wrong_key_an_unreachable_host_and_a_short_password(
    server: tuple[str, str],
    team_project: Callable[[list[Record]], Project],
    seed_record: Record,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = team_project([{"id": seed_record["id"], "text": seed_record["text"]}])
    email = new_email("cala")
    assert add_user(email, "first-password-ok", made.root, tmp_path).exit_code == 0

    again = add_user(email.upper(), "second-password-ok", made.root, tmp_path)
    assert again.exit_code == 1
    assert again.stderr.splitlines() == [
        f"error: {email} already has an account on {server[0]}",
        "hint: they log in with the password they chose; an admin resets it on the server with "
        "`label-studio reset_password --username EMAIL`",
    ]
    with session(server[0], email, "first-password-ok"):
        pass  # the old password still works

    other = new_email("dina")
    short = add_user(other, "short", made.root, tmp_path)
    assert short.exit_code == 1 and len(short.stderr.splitlines()) == 2
    assert short.stderr.startswith(f"error: the password for {other} has 5 characters")

    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-the-admin-token")
    wrong = add_user(other, "good-password-1", made.root, tmp_path)
    assert wrong.exit_code == 1 and len(wrong.stderr.splitlines()) == 2
    assert wrong.stderr.startswith(f"error: Label Studio at {server[0]} refused the API key")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("LABEL_STUDIO_URL", closed)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server[1])
    unreachable = add_user(other, "good-password-1", made.root, tmp_path)
    assert unreachable.exit_code == 1 and len(unreachable.stderr.splitlines()) == 2
    assert unreachable.stderr.startswith(f"error: Label Studio at {closed} cannot be reached")
    assert "good-password-1" not in wrong.stderr + unreachable.stderr
    assert other not in members(server)  # nothing half-made


def test_two_annotators_with_overlap_two_are_reported_by_agreement_status_and_adjudicated(
    server: tuple[str, str],
    team_project: Callable[[list[Record]], Project],
    seed_record: Record,
    tmp_path: Path,
) -> None:
    made = team_project([{"id": seed_record["id"], "text": seed_record["text"]}])
    first, second = new_email("eman"), new_email("fadi")
    for email in (first, second):
        assert add_user(email, f"pass-of-{email}", made.root, tmp_path).exit_code == 0
    result = runner.invoke(app, ["push", "--overlap", "2", "-P", str(made.root)])
    assert result.exit_code == 0, result.output + result.stderr
    assert "each task is annotated by 2 annotator(s)" in result.output
    client: Any = LabelStudio(base_url=server[0], api_key=server[1])  # type: ignore[no-untyped-call]
    title = str(made.setting("labelstudio", "project"))
    (remote,) = [p for p in client.projects.list(title=title) if p.title == title]
    assert (remote.maximum_annotations, remote.overlap_cohort_percentage) == (2, 100)
    (task,) = list(client.tasks.list(project=remote.id, fields="all"))
    assert task.overlap == 2

    text = task.data["text"]
    labels = {first: "PER", second: "ORG"}
    for email in (first, second):  # each logged in as themselves, as in the browser
        with session(server[0], email, f"pass-of-{email}") as web:
            offered = web.get(f"/api/projects/{remote.id}/next")
            assert offered.status_code == 200 and offered.json()["id"] == task.id  # overlap: both get it
            result_regions = [
                entity_region(text, 24, 32, "GPE", "a"),
                entity_region(text, 65, 73, labels[email], "b"),
            ]
            made_ann = web.post(f"/api/tasks/{task.id}/annotations/", json={"result": result_regions})
            assert made_ann.status_code == 201, made_ann.text
    assert client.tasks.get(id=task.id).is_labeled  # two annotations: the task is done

    pulled = runner.invoke(app, ["pull", "-P", str(made.root)])
    assert pulled.exit_code == 0 and "next: `khabar status` (by annotator)" in pulled.output
    names = sorted(x.name for x in made.store().layers(seed_record["id"]) if x.kind == "review")
    assert names == sorted([f"review:{first}", f"review:{second}"])
    status = runner.invoke(app, ["status", "-P", str(made.root)]).output
    assert f"reviewed by {first}: 1" in status and f"reviewed by {second}: 1" in status
    agreement = runner.invoke(app, ["agreement", "-P", str(made.root)])
    assert agreement.exit_code == 0
    assert sorted([first, second]) == sorted(agreement.output.split(":")[0].split(" / "))
    assert "1 documents, entity F1 0.500" in agreement.output
    adjudicated = runner.invoke(app, ["adjudicate", "-P", str(made.root)])
    assert adjudicated.exit_code == 0 and "1 documents, 1 disagreements" in adjudicated.output
    assert "next: `khabar validate`" in adjudicated.output
    layer = next(x for x in made.store().layers(seed_record["id"]) if x.kind == "adjudicated")
    assert [(s.start, s.end, s.label) for s in layer.entities] == [(24, 32, "GPE")]


def test_studio_start_host_serves_other_machines_after_a_one_line_warning(
    server: tuple[str, str], hub: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["init", str(tmp_path / "lan")]).exit_code == 0
    lan = ["-P", str(tmp_path / "lan")]
    bad = runner.invoke(app, ["studio", "start", "--host", "my-laptop", *lan])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --host 'my-laptop' is not an IP address")
    elsewhere = runner.invoke(app, ["studio", "start", "--host", "10.255.1.1", *lan])
    assert elsewhere.stderr.splitlines()[0] == "error: --host 10.255.1.1: not an address of this machine"
    running = runner.invoke(app, ["studio", "start", "--host", "0.0.0.0", "-P", str(hub)])
    assert running.stderr.startswith("error: the project's Label Studio already runs, listening on 127.0.0.1")

    try:
        result = runner.invoke(app, ["studio", "start", "--host", "0.0.0.0", "--port", "18085", *lan])
        assert result.exit_code == 0, result.output + result.stderr
        (warning,) = result.stderr.splitlines()
        assert warning.startswith("warning: Label Studio listens on 0.0.0.0 (every address of this machine)")
        assert "anyone who can reach it sees the login page" in warning and "strong" in warning
        (line,) = [x for x in result.output.splitlines() if "annotators open" in x]
        address = line.split("http://")[1].split(":")[0]
        assert not address.startswith("127.")
        with httpx.Client(timeout=10) as web:
            assert web.get(f"http://{address}:18085/health").status_code == 200
            with pytest.raises(httpx.ConnectError):  # the default stays loopback only
                web.get(f"http://{address}:{server[0].rsplit(':', 1)[1]}/health")
    finally:
        assert runner.invoke(app, ["studio", "stop", *lan]).exit_code == 0
