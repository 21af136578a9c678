"""Modular spatiotemporal prediction: a frozen VQ-VAE plus a video predictor, as a DVC pipeline."""

__version__ = "0.1.0"
