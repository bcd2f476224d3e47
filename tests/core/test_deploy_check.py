"""The documented production environment passes Django's deployment checklist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_LINE = re.compile(r"^(DJANGO_\w+|DORF_\w+)=(.*)$")


def documented_production_environment() -> dict[str, str]:
    """The lines of README's "Production settings" block."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production settings", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    env = {}
    for line in block.splitlines():
        match = SETTINGS_LINE.match(line.strip())
        if match:
            env[match.group(1)] = match.group(2)
    return env


def _check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DORF_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(extra)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_documented_production_environment_passes_check_deploy() -> None:
    # given: README's production lines, with a real secret in place of the placeholder
    env = documented_production_environment()
    assert env["DJANGO_HSTS_SECONDS"] == "31536000"
    env["DJANGO_SECRET_KEY"] = "k9#Vq2!x" * 8
    # when
    result = _check_deploy(env)
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_the_https_settings_check_deploy_fails() -> None:
    result = _check_deploy({"DJANGO_SECRET_KEY": "k9#Vq2!x" * 8, "DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout
