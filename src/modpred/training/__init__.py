"""Training: the VQ-VAE trainer, one predictor cell (config, loop, resume, selection) and its measured costs."""
