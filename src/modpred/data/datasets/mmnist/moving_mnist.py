"""MovingMNIST: digits moving at constant speed and bouncing off the borders, as in PredRNN.

Each digit starts at a random position with a random direction; at each frame it moves `speed`
pixels and reflects off the canvas edges. Digits are overlaid with a pixel-wise max.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modpred.params import positive
from modpred.progress import progress


@dataclass(frozen=True)
class MovingMnistConfig:
    num_train: int = positive(default=2000)
    num_test: int = positive(default=200)
    seq_len: int = positive(default=20)
    input_len: int = positive(default=10)
    image: int = positive(default=64)
    num_digits: int = positive(default=2)
    speed: float = positive(default=3.6)
    seed: int = 0
    digits: str = ""
    test_file: str = ""  # the standard mnist_test_seq.npy: its first num_test sequences become the test split


def moving_mnist(
    digits: np.ndarray, count: int, cfg: MovingMnistConfig, rng: np.random.Generator, desc: str = "sequences"
) -> np.ndarray:
    """Render `count` sequences, uint8 (count, seq_len, 1, image, image), from the digit pool."""
    size = digits.shape[-1]
    span = cfg.image - size
    out = np.zeros((count, cfg.seq_len, 1, cfg.image, cfg.image), dtype=np.uint8)
    for n in progress(range(count), desc):
        for _ in range(cfg.num_digits):
            digit = digits[rng.integers(len(digits))]
            pos = rng.uniform(0, span, size=2)
            theta = rng.uniform(0, 2 * np.pi)
            vel = cfg.speed * np.array([np.sin(theta), np.cos(theta)])
            for t in range(cfg.seq_len):
                r, c = round(pos[0]), round(pos[1])
                window = out[n, t, 0, r : r + size, c : c + size]
                np.maximum(window, digit, out=window)
                pos, vel = _bounce(pos + vel, vel, span)
    return out


def _bounce(pos: np.ndarray, vel: np.ndarray, span: float) -> tuple[np.ndarray, np.ndarray]:
    """Reflect a position that left [0, span] back inside and flip that velocity component."""
    pos, vel = pos.copy(), vel.copy()
    for axis in range(2):
        if pos[axis] < 0:
            pos[axis], vel[axis] = -pos[axis], -vel[axis]
        elif pos[axis] > span:
            pos[axis], vel[axis] = 2 * span - pos[axis], -vel[axis]
    return pos, vel
