"""Prediction on a user's clip with a trained cell: reading the clip and writing the predicted frames."""
