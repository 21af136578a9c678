"""Thin Typer commands, one per DVC stage (and a few tools): parse params, call `modpred`, write outputs.

MKL picks its matrix-multiply kernels by CPU vendor and instruction set, so TCTN (whose attention
and feed-forward layers run on MKL) gave different bits on two machines of the same kind, while
PredRNN (convolutions only, oneDNN) did not. Pinning MKL's reproducibility branch to AVX2 makes
those kernels the same on every CPU with AVX2 at the same thread count (MKL's documented
guarantee; measured here: no speed cost). It must be set before torch loads MKL; a value the user
exported wins. See the README, "Reproducibility across machines".
"""

import os

os.environ.setdefault("MKL_CBWR", "AVX2")
