"""Running DVC experiments for the bench's studies: in the workspace, one at a time (`workspace`), or
through DVC's queue with one row per retrained model collected from each experiment's commit
(`queue`). Both write `-S` flags with `profiles.set_param_flags`, the one writer the README's
profile lines use too; the bench keeps its commands and plots.
"""
