"""Scoring predictions: per-frame metrics (MSE, MAE, PSNR, SSIM), LPIPS from verified weights, evaluation."""
