"""Frames and sequences: the dataset plug-ins, HDF5 sequence files, latent shards and their checks."""
