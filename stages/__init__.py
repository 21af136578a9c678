"""Thin Typer commands, one per DVC stage (and two tools): parse params, call `modpred`, write outputs."""
