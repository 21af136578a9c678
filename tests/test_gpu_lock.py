"""One training per GPU: a second holder is refused with one line naming the first, and a killed holder frees it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from modpred.errors import UserError
from modpred.training.gpu_lock import gpu_key, hold, hold_gpu

HOLDER = """
import sys, time
from pathlib import Path
from modpred.training.gpu_lock import hold
with hold("gpu-test", "train mmnist predrnn base", "GPU cuda:0 (test)", Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(600)
"""


def test_a_second_training_on_a_held_gpu_is_refused_until_the_first_process_dies(tmp_path):
    first = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "holding"
        with pytest.raises(UserError) as refused, hold("gpu-test", "train tctn", "GPU cuda:0 (test)", tmp_path):
            pass
        message = str(refused.value)
        assert f"GPU cuda:0 (test) is already training (pid {first.pid}: train mmnist predrnn base)" in message
        assert "\n" not in message and "not supported" in message
        with hold("gpu-other", "train mmnist tctn base", folder=tmp_path):  # another GPU is free
            pass
    finally:
        first.kill()
        first.wait()
    with hold("gpu-test", "train mmnist tctn base", folder=tmp_path):  # the kernel released the killed holder's lock
        assert (tmp_path / "gpu-test.lock").read_text().endswith("train mmnist tctn base")


def test_the_cpu_takes_no_lock(tmp_path):
    assert gpu_key(torch.device("cpu")) is None
    with hold_gpu(torch.device("cpu"), "a"), hold_gpu(torch.device("cpu"), "b"):
        pass
