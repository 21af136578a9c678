"""`python -m stages <command>`: the entry point dvc.yaml calls."""

from stages import baselines, encode_latents, evaluate, generate, pretrain_vqvae, report, train  # noqa: F401
from stages.app import app

if __name__ == "__main__":
    app()
