"""Test-only hooks. Python imports this at start-up because the tests put this folder on PYTHONPATH
(tests/helpers.py); production code has no hooks of its own.

- MODPRED_PARAMS_AUDIT=<file>: every params key a stage reads is appended to <file> with its command
  line, so a test can hold the keys read against the keys dvc.yaml lists.
- MODPRED_FAULT_KILL_AT=<n>: the process SIGKILLs itself right after saving its resume state at
  iteration n, as a crash or a pre-empted job would.
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
