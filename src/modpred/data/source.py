"""Make what a dataset reads a DVC dependency: `data/<name>/source` links to its folder of clips.

DVC cannot template a dependency from a dataset's own params key (`${data.${item}.root}`), and it
does not follow symbolic links inside a dependency folder, but it does hash the files behind a path
that is itself a link. So the `link_source` stage points `data/<name>/source` at the folder (inside the
repository or not) and `generate` depends on that path: a clip added, changed or removed changes its
hash, which reruns `generate@<name>` and what follows, and nothing of another dataset. A dataset that
reads no folder gets a placeholder folder, so every dataset has the same DAG.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from modpred import paths
from modpred.data.datasets import dataset_config, dataset_spec
from modpred.errors import UserError

PLACEHOLDER = "NO_SOURCE_FOLDER"


def link_source(dataset: str, section: object, link: Path | None = None) -> Path | None:
    """Point `link` (default `data/<dataset>/source`) at the folder the dataset's params name; return it.

    Only the link is ever removed, never what it points to. A folder that does not exist stops here,
    at the first stage, with one line.
    """
    key = f"data.{dataset}"
    folder = dataset_spec(dataset).source(dataset_config(dataset, section, key))
    link = link or paths.source_link(dataset)
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)  # the placeholder: a real folder of ours, not a link
    link.parent.mkdir(parents=True, exist_ok=True)
    if not folder:
        link.mkdir()
        (link / PLACEHOLDER).write_text(f"{key} names no folder to read: nothing for DVC to watch\n")
        return None
    target = Path(folder).resolve()
    if not target.exists():
        raise UserError(f"{folder} does not exist (params key '{key}'): fetch or mount it, or set the key")
    link.symlink_to(target, target_is_directory=target.is_dir())
    return target
