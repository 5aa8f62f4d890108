"""An annotator's session in a real browser: headless Chromium (Debian's chromium and
chromium-driver, driven by selenium) on the real Label Studio of tests/studio/conftest.py.

Screenshots go to $KHABAR_ARTEFACTS (default build/artefacts/). Without a browser the test
is skipped and says why; `nox -s integration` installs one where it can (root, apt-get)."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from khabar.cli import app
from khabar.corpus.project import Project
from tests.helpers import ROOT, Record

pytestmark = pytest.mark.integration
runner = CliRunner()

ARTEFACTS = Path(os.environ.get("KHABAR_ARTEFACTS") or ROOT / "build" / "artefacts")
#: every element of the instructions must lie inside its panel (1 px for rounding)
INSIDE = """
const panel = arguments[0], box = panel.getBoundingClientRect();
const out = [...panel.querySelectorAll('*')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1);
});
return {scroll: panel.scrollWidth, client: panel.clientWidth,
        outside: out.slice(0, 5).map(e => e.tagName + ': ' + e.textContent.slice(0, 40))};
"""


@pytest.fixture(scope="session")  # session: asked before the server is started, it skips at once
def chromium() -> Iterator[Any]:
    """A headless Chromium at 1600x1000, or a skip that says what is missing."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install selenium)"
    )
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip("no Chromium here: install Debian's chromium and chromium-driver (nox does, as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        "--lang=en",
    ):
        options.add_argument(arg)
    session = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))
    try:
        yield session
    finally:
        session.quit()


def wait(what: str, condition: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = condition()
        except Exception:  # the page is still being drawn: elements come and go
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_annotator_accepts_the_drafts_in_chromium_and_pull_holds_their_review(
    chromium: Any,
    server: tuple[str, str],
    team_project: Callable[[list[Record]], Project],
    seed_record: Record,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    shots = ARTEFACTS / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {shots}")
    made = team_project([{"id": seed_record["id"], "text": seed_record["text"]}])
    email, password = f"hala-{uuid.uuid4().hex[:6]}@example.org", "olive tree at noon"
    (tmp_path / "password").write_text(password + "\n")
    added = runner.invoke(
        app,
        [
            "studio",
            "users",
            "add",
            email,
            "--password-file",
            str(tmp_path / "password"),
            "-P",
            str(made.root),
        ],
    )
    assert added.exit_code == 0, added.output + added.stderr
    assert runner.invoke(app, ["push", "-P", str(made.root)]).exit_code == 0
    client: Any = LabelStudio(base_url=server[0], api_key=server[1])  # type: ignore[no-untyped-call]
    title = str(made.setting("labelstudio", "project"))
    (remote,) = [p for p in client.projects.list(title=title) if p.title == title]
    (task,) = list(client.tasks.list(project=remote.id, fields="all"))
    pre = next(x for x in made.store().layers(seed_record["id"]) if x.kind == "pre")

    chromium.get(f"{server[0]}/user/login/")
    chromium.find_element(By.NAME, "email").send_keys(email)
    chromium.find_element(By.NAME, "password").send_keys(password)
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
    wait("the login", lambda: "/user/login" not in chromium.current_url)
    chromium.get(f"{server[0]}/projects/{remote.id}/data?labeling=1")  # Label All Tasks

    # the instructions open first, and nothing in them runs past their panel
    panel = wait(
        "the instructions",
        lambda: next(
            e for e in chromium.find_elements(By.CSS_SELECTOR, ".lsf-modal-ls__body") if e.is_displayed()
        ),
    )
    chromium.save_screenshot(str(shots / "1-instructions.png"))
    fit = chromium.execute_script(INSIDE, panel)
    assert fit["scroll"] <= fit["client"] and not fit["outside"], fit
    assert "PER" in panel.text and "جو بايدن" in panel.text
    chromium.find_element(By.CSS_SELECTOR, "button[aria-label='Close modal']").click()
    wait(
        "the instructions to close",
        lambda: not chromium.find_elements(By.CSS_SELECTOR, ".lsf-modal-ls_visible"),
    )

    # every drafted entity and trigger is a region on the text
    regions = wait("the drafted regions", lambda: chromium.find_elements(By.CSS_SELECTOR, ".htx-highlight"))
    wait(
        "all regions", lambda: len(chromium.find_elements(By.CSS_SELECTOR, ".htx-highlight")) >= len(regions)
    )
    labels = [str(e.get_attribute("data-label") or "").split(":")[-1] for e in regions]
    assert len(labels) == len(pre.entities) + len(pre.events), labels
    # lines tall enough for the badges and arrows above the words (Label Studio sets 20px)
    line = chromium.execute_script(
        "const s = getComputedStyle(document.querySelector('.lsf-richtext__container'));"
        "return [parseFloat(s.lineHeight), parseFloat(s.fontSize)];"
    )
    assert line[0] >= 3 * line[1] - 1, line
    chromium.save_screenshot(str(shots / "2-drafts.png"))

    # selecting a drafted trigger shows its realis, with the draft's choice
    triggers = {event.type for event in pre.events}
    trigger = next(e for e, label in zip(regions, labels, strict=True) if label in triggers)
    chromium.execute_script("arguments[0].scrollIntoView({block: 'center'})", trigger)
    trigger.click()
    realis = wait(  # Label Studio draws its own radio buttons over hidden inputs: ask the page
        "the realis choice",
        lambda: chromium.execute_script(
            "return [...document.querySelectorAll('input[type=radio]')]"
            ".filter(i => i.closest('label') && i.closest('label').offsetParent !== null)"
            ".map(i => [i.closest('label').innerText.trim(), i.checked])"
        ),
    )
    assert [name.split("[")[0] for name, _ in realis] == ["actual", "generic", "other"], realis
    assert sum(bool(checked) for _, checked in realis) == 1, realis
    assert "Realis of the selected event" in chromium.find_element(By.TAG_NAME, "body").text
    chromium.save_screenshot(str(shots / "3-realis.png"))

    # accept the drafts as they are and submit
    chromium.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    submit = next(e for e in chromium.find_elements(By.TAG_NAME, "button") if e.text.strip() == "Submit")
    submit.click()
    wait("the annotation", lambda: client.tasks.get(id=task.id).total_annotations == 1)
    chromium.save_screenshot(str(shots / "4-submitted.png"))

    pulled = runner.invoke(app, ["pull", "-P", str(made.root)])
    assert pulled.exit_code == 0, pulled.output + pulled.stderr
    review = next(x for x in made.store().layers(seed_record["id"]) if x.name == f"review:{email}")
    assert len(review.entities) == len(pre.entities) and len(review.events) == len(pre.events)
    assert f"reviewed by {email}: 1" in runner.invoke(app, ["status", "-P", str(made.root)]).output
