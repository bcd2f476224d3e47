"""Every command the README shows works as written, or is checked as far as CI can.

The README's commands are read from the README itself (its ``sh`` blocks and the commands
quoted in its prose), so a new command without a check here fails the first test. Each
check runs in a fresh checkout's situation: no configuration at all (no ``DATABASE_URL``,
``REDIS_URL``, ``DJANGO_*``), a SQLite file and media folder of its own.

How each one is checked (``CHECKS``):

- ``run``: executed exactly as written and must succeed;
- ``serve``: started as written (plus a free port), must answer ``/healthz`` with 200,
  then stopped;
- ``starts``: a long-running process (Celery) started as written, must print its start
  banner and still be alive a few seconds later, then stopped;
- ``dry``: ``make -n``: the target exists and runs what it should; used for ``make test``
  (the suite cannot run itself) and the PostgreSQL/Redis variant of ``make run`` (CI runs
  the whole suite against those servers);
- ``covered``: another test runs it (named in the table), or it is CI's entry point.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

# One worker runs them all: they share one migrated database, and start servers.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("readme-commands")]

ROOT = Path(settings.BASE_DIR)
README = ROOT / "README.md"
VENV_BIN = ROOT / ".venv" / "bin"

CHECKS: dict[str, tuple[str, str]] = {
    "make run": ("serve", "bash scripts/run.sh"),
    "make test": ("dry", "bash scripts/pytest.sh"),
    # installing would change the environment the suite runs in: only `make -n`
    "make install": ("dry", ""),
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/dorf REDIS_URL=redis://127.0.0.1:6379/0 "
    "make run": ("dry", "bash scripts/run.sh"),
    ".venv/bin/python manage.py seed_demo --residents 5000": ("run", ""),
    "manage.py push_vapid_keys": ("run", ""),
    "manage.py check --deploy --fail-level WARNING": (
        "covered",
        "tests/core/test_deploy_check.py runs it with the README's production settings",
    ),
    ".ci/run": ("covered", "CI's entry point: it runs `make test`, which runs this test"),
    "gunicorn config.wsgi -w 4": ("run", "--check-config"),
    "uvicorn config.asgi:application --ws websockets-sansio --ws-max-size 65536 "
    "--ws-per-message-deflate false": ("serve", ""),
    "celery -A config worker": ("starts", "[queues]"),
    "celery -A config beat": ("starts", "is starting."),
    "python manage.py migrate": ("run", ""),
    "collectstatic": ("run", "python manage.py collectstatic --noinput --dry-run"),
}

_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)
_ASSIGNMENT = re.compile(r"[A-Z][A-Z0-9_]*=")
_COMMAND_START = re.compile(
    r"(make |python |\.venv/bin/|manage\.py |gunicorn |uvicorn |celery |\.ci/)"
)


def readme_commands() -> list[str]:
    """The shell lines of the README's ``sh`` blocks and the commands quoted in its text."""
    text = README.read_text(encoding="utf-8")
    commands: list[str] = []
    for block in _FENCE.finditer(text):
        if block.group(2) not in ("sh", "bash", "console"):
            continue
        for raw in block.group(3).splitlines():
            line = raw.split(" #")[0].strip()
            if not line or line.startswith("#"):
                continue
            # `NAME=value` lines list settings (the production environment), not commands.
            words = line.split()
            if all(_ASSIGNMENT.match(w) for w in words) or "=<" in words[0]:
                continue
            commands.append(line)
    prose = _FENCE.sub("", text)
    for span in re.findall(r"`([^`]+)`", prose):
        command = " ".join(span.split())
        # (a lone word is a tool's name, "you need `make`", unless it is a path (`.ci/run`);
        # `collectstatic` is the one command the README names by itself)
        runnable = " " in command or "/" in command
        if (runnable and _COMMAND_START.match(command + " ")) or command == "collectstatic":
            commands.append(command)
    return list(dict.fromkeys(commands))


def test_every_command_in_the_readme_has_a_check() -> None:
    commands = readme_commands()
    assert "make run" in commands
    assert ".venv/bin/python manage.py seed_demo --residents 5000" in commands
    assert [c for c in commands if c not in CHECKS] == []
    # and no check is left over from a command the README no longer shows
    assert [c for c in CHECKS if c not in commands] == []


# --- the fresh checkout -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """The environment of a fresh checkout (an activated venv, nothing configured), with
    its SQLite database migrated once."""
    tmp = tmp_path_factory.mktemp("readme")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "DORF_", "PYTEST"))
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        DORF_SQLITE_PATH=str(tmp / "dorf.sqlite3"),
        DORF_MEDIA_ROOT=str(tmp / "media"),
        DORF_CELERY_BROKER_FOLDER=str(tmp / "celery"),
        DORF_GEOCODER="register",
    )
    for folder in ("celery/queue", "celery/control", "media"):
        (tmp / folder).mkdir(parents=True, exist_ok=True)
    _shell("python manage.py migrate --noinput -v 0", env)
    return env, tmp


def _shell(command: str, env: dict[str, str], cwd: Path = ROOT, timeout: int = 1800) -> str:
    result = subprocess.run(  # noqa: S602 - the README's lines are shell commands
        command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def _production(env: dict[str, str]) -> dict[str, str]:
    """What a deployment sets at least: a secret key (the servers refuse to start without)."""
    return {**env, "DJANGO_SECRET_KEY": "readme-check-" + "x" * 50, "DJANGO_DEBUG": "0"}


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the command and everything it started, and wait for the whole process group:
    the shell exits at once, while what it started may linger (a Celery worker whose pool
    children got the same SIGTERM hangs in billiard's pool finaliser), so what is left
    after 10 s is killed; nothing outlives the test."""
    pgid = process.pid  # start_new_session: the shell leads its own group
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _group_alive(pgid) and time.monotonic() < deadline:
            process.poll()  # reap the shell, or it stays a zombie of the group
            time.sleep(0.2)
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=30)


def _serve(command: str, env: dict[str, str], port: int, timeout_s: float, log: Path) -> None:
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S602 - the README's lines are shell commands
            command, shell=True, cwd=ROOT, env=env, start_new_session=True,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{command} exited:\n{log.read_text()[-3000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    return
            except OSError:
                time.sleep(2)
        pytest.fail(
            f"{command} did not answer /healthz in {timeout_s} s:\n{log.read_text()[-3000:]}"
        )
    finally:
        _stop(process)


def _starts(command: str, env: dict[str, str], cwd: Path, banner: str) -> None:
    log = cwd / "process.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S602 - the README's lines are shell commands
            command, shell=True, cwd=cwd, env=env, start_new_session=True,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while banner not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, f"{command} exited:\n{log.read_text()[-3000:]}"
            time.sleep(1)
        assert banner in log.read_text(), f"{command}:\n{log.read_text()[-3000:]}"
        time.sleep(5)
        assert process.poll() is None, f"{command} stopped:\n{log.read_text()[-3000:]}"
    finally:
        _stop(process)


# --- the checks ---------------------------------------------------------------------------


def test_seed_demo_as_the_readme_writes_it(fresh) -> None:
    env, _tmp = fresh
    output = _shell(".venv/bin/python manage.py seed_demo --residents 5000", env)
    assert "Set DJANGO_SECRET_KEY" not in output
    # idempotent, as the README says: a second run changes nothing and is quick
    _shell(".venv/bin/python manage.py seed_demo --residents 5000", env)


@pytest.mark.parametrize(
    "command",
    ["manage.py push_vapid_keys", "python manage.py migrate", "collectstatic"],
)
def test_management_commands_of_the_readme(fresh, command: str) -> None:
    env, _tmp = fresh
    kind, how = CHECKS[command]
    assert kind == "run"
    line = how or command
    if line.startswith("manage.py"):
        line = "python " + line
    _shell(line, env)


def test_gunicorn_loads_the_wsgi_application(fresh) -> None:
    env, _tmp = fresh
    command = "gunicorn config.wsgi -w 4"
    _shell(f"{command} {CHECKS[command][1]}", _production(env))


def test_uvicorn_serves_as_the_readme_starts_it(fresh) -> None:
    command = next(c for c in CHECKS if c.startswith("uvicorn "))
    port = _free_port()
    env, tmp = fresh
    _serve(f"{command} --port {port}", _production(env), port, 300, tmp / "uvicorn.log")


@pytest.mark.parametrize("command", ["celery -A config worker", "celery -A config beat"])
def test_celery_starts_as_the_readme_starts_it(fresh, command: str) -> None:
    env, tmp = fresh
    # in a folder of its own: beat writes its schedule file into the working directory
    folder = tmp / command.split()[-1]
    folder.mkdir()
    _starts(command, _production(env), folder, CHECKS[command][1])


@pytest.mark.parametrize(
    "command",
    ["make run", "make test", "make install", next(c for c in CHECKS if "REDIS_URL=" in c)],
)
def test_make_targets_run_their_scripts(fresh, command: str) -> None:
    env, _tmp = fresh
    kind, script = CHECKS[command]
    assert kind in ("serve", "dry")
    target = command.split("make ", 1)[1]
    # -n: print what the target runs (installation included) without running anything
    printed = _shell(f"make -n {target}", env).splitlines()
    assert not script or script in printed


def test_make_run_serves_the_demo(fresh) -> None:
    # `make run` is `install` (the venv is in place here) and then this script.
    env, tmp = fresh
    port = _free_port()
    _serve(CHECKS["make run"][1], {**env, "PORT": str(port)}, port, 900, tmp / "run.log")
