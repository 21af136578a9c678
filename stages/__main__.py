"""`python -m stages <command>`: the entry point dvc.yaml calls."""

from stages import (  # noqa: F401
    baselines,
    encode_latents,
    evaluate,
    figures,
    generate,
    predict,
    pretrain_vqvae,
    profile,
    report,
    train,
)
from stages.app import app

if __name__ == "__main__":
    app()
