"""The README's commands stay true: every stage command it shows exists, every -S key is a params key."""

from __future__ import annotations

import re

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
