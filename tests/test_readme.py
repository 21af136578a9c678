"""The README's commands stay true: every stage command it shows exists, every -S key is a params key."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys

import yaml

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def _has_key(key: str) -> bool:
    node = PARAMS
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_readme_opens_with_the_two_set_up_commands():
    first_block = README.split("```")[1]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()[1:]] == ["make repro", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_stage_command_in_the_readme_exists():
    from stages.__main__ import COMMANDS, app, import_commands

    import_commands(COMMANDS)
    registered = {command.name for command in app.registered_commands}
    shown = set(re.findall(r"-m stages (?:--[a-z-]+ \S+ )?([a-z][a-z-]*)", README))  # options may come first
    assert shown and shown <= registered, shown - registered


def test_every_set_param_in_the_readme_is_a_params_key():
    keys = re.findall(r"-S ([a-z_.]+)=", README)
    assert keys and all(_has_key(k) for k in keys), [k for k in keys if not _has_key(k)]


def test_the_ssh_plugin_pins_resolve_against_the_installed_set(tmp_path):
    """`make ssh` (the share recipe's ssh remote): pip, asked to resolve requirements-ssh.txt against
    constraints.txt, would install exactly those pins and change nothing already installed."""
    report = tmp_path / "report.json"
    args = ["--dry-run", "--quiet", "--report", str(report), "-r", "requirements-ssh.txt", "-c", "constraints.txt"]
    subprocess.run([sys.executable, "-m", "pip", "install", *args], cwd=ROOT, check=True, capture_output=True)
    installing = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    pinned = dict(
        line.split("==")
        for line in (ROOT / "requirements-ssh.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for name, version in pinned.items():  # each to be installed at its pin, or already there at it (after `make ssh`)
        assert installing.pop(name, None) == version or importlib.metadata.version(name) == version, name
    assert not installing, installing  # nothing else would be installed or upgraded


def test_the_onnx_pins_resolve_within_the_constraints(tmp_path):
    """`make onnx` (the optional export): pip, asked to resolve requirements-onnx.txt against
    constraints.txt, installs each pin at its version and everything it pulls in at the version
    constraints.txt pins, upgrading nothing the default install has."""
    report = tmp_path / "report.json"
    args = ["--dry-run", "--ignore-installed", "--quiet", "--report", str(report)]
    args += ["-r", "requirements-onnx.txt", "-c", "constraints.txt"]
    subprocess.run([sys.executable, "-m", "pip", "install", *args], cwd=ROOT, check=True, capture_output=True)
    constraints = dict(
        line.split("==")[:2]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    pins = {k.lower().replace("_", "-"): v.split()[0] for k, v in constraints.items()}
    for item in json.loads(report.read_text())["install"]:
        name, version = item["metadata"]["name"].lower().replace("_", "-"), item["metadata"]["version"]
        assert pins.get(name) == version, (name, version)
    for line in (ROOT / "requirements-onnx.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            assert pins[name.lower()] == version.split()[0], name
