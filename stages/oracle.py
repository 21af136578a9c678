"""oracle@<dataset>: score the frozen VQ-VAE's reconstruction of the true future frames."""

from __future__ import annotations

from modpred import paths
from modpred.baselines import BASELINE_MODE, ORACLES
from modpred.device import pick_device
from modpred.evaluation.evaluate import save_scores, score_test_split
from modpred.evaluation.oracle import reconstruct_future
from modpred.models.vqvae import load_frozen_vqvae
from stages.app import DatasetArg, check_dataset, stage

BATCH = 32


@stage("oracle")
def oracle(dataset: str = DatasetArg) -> None:
    """Score the VQ-VAE oracle on the test set, as `evaluate` scores a model: the ceiling of every modular model.

    Reads data/DATASET/base/test.h5 and data/DATASET/vqvae/model.pt; no settings. Writes, for each
    decoding whose ceiling differs (decoded directly; decoded as a change onto the last input
    frame), metrics/runs/DATASET/baselines/vqvae_oracle[_change].json, _per_frame.csv and _per_sequence.csv.
    """
    check_dataset(dataset)
    device = pick_device()
    vqvae, _ = load_frozen_vqvae(paths.vqvae_checkpoint(dataset), device)
    for name, decode in ((o.name, o.decode) for o in ORACLES):
        make = lambda future, decode=decode: reconstruct_future(vqvae, future, device, decode)  # noqa: E731
        scored = score_test_split(dataset, make, BATCH, device, (name, BASELINE_MODE), sees_future=True)
        save_scores(
            paths.baseline_json(dataset, name),
            paths.baseline_per_frame(dataset, name),
            paths.baseline_per_sequence(dataset, name),
            scored,
        )
