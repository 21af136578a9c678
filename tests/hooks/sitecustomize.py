"""Test-only hooks. Python imports this at start-up because the tests put this folder on PYTHONPATH
(tests/helpers.py); production code has no hooks of its own.

- MODPRED_PARAMS_AUDIT=<file>: every params key a stage reads is appended to <file> with its command
  line, so a test can hold the keys read against the keys dvc.yaml lists.
- MODPRED_FAULT_KILL_AT=<n>: the process SIGKILLs itself right after saving its resume state at
  iteration n, as a crash or a pre-empted job would.
- MODPRED_FAULT_KILL_WORKER_AT=<n> with MODPRED_FAULT_ONCE=<file>: a training run by a Dask worker
  (a fan-out task) SIGKILLs that worker, then its own process group, right after saving its resume
  state at iteration n, once (the file marks it done), as a lost node would.
"""

from __future__ import annotations

import os

if os.environ.get("MODPRED_PARAMS_AUDIT"):
    import sys

    from modpred import params

    _get = params.ParamsFile.get

    def _audited_get(self, key):
        with open(os.environ["MODPRED_PARAMS_AUDIT"], "a") as log:
            log.write(" ".join(sys.argv[1:]) + f"\t{key}\n")
        return _get(self, key)

    params.ParamsFile.get = _audited_get

if os.environ.get("MODPRED_FAULT_KILL_AT"):
    import signal

    from modpred.training import resume

    _save = resume.ResumeState.save

    def _save_then_die(self, *args, **kwargs):
        _save(self, *args, **kwargs)
        if self.iteration >= int(os.environ["MODPRED_FAULT_KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)

    resume.ResumeState.save = _save_then_die

if os.environ.get("MODPRED_FAULT_KILL_WORKER_AT") and os.environ.get("__DASK_PARENT_PID"):
    import signal
    from pathlib import Path

    import psutil

    from modpred.training import resume

    _save_state = resume.ResumeState.save

    def _save_then_kill_the_worker(self, *args, **kwargs):
        _save_state(self, *args, **kwargs)
        once = Path(os.environ["MODPRED_FAULT_ONCE"])
        if self.iteration >= int(os.environ["MODPRED_FAULT_KILL_WORKER_AT"]) and not once.exists():
            once.write_text(str(os.getpid()))
            nanny_host = int(os.environ["__DASK_PARENT_PID"])  # the process that spawned the worker
            worker = next(p for p in psutil.Process().parents() if p.ppid() == nanny_host)
            worker.kill()
            os.killpg(os.getpgid(0), signal.SIGKILL)

    resume.ResumeState.save = _save_then_kill_the_worker
