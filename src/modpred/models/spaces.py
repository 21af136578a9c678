"""The space a predictor works in: patch-reshaped pixels (base) or frozen VQ-VAE embeddings (modular).

Both present a sequence as (B, T, C, grid, grid) floats, so one predictor class serves both modes.
Each space owns the tensors of its mode: what its training pool holds (`from_pool`: uint8 frames or
code indices), how it is saved in a checkpoint (`state`) and rebuilt (`SPACES[mode].from_state`),
and the shape it plans from params (`planned`). The words and looks of a mode live in its record
(`modpred.modes`), its training data in `training.training_set`'s loaders.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from modpred.checkpoint import SpaceState
from modpred.layout import SequenceLayout
from modpred.models.contract import ModelShape
from modpred.models.vqvae import VQVAE, to_unit
from modpred.modes import BASE, DECODINGS, MODULAR


def patchify(frames: torch.Tensor, patch: int) -> torch.Tensor:
    """(B, T, C, H, W) -> (B, T, C*p*p, H/p, W/p), the official PredRNN reshape (lossless)."""
    b, t, c, h, w = frames.shape
    x = frames.reshape(b, t, c, h // patch, patch, w // patch, patch)
    return x.permute(0, 1, 2, 4, 6, 3, 5).reshape(b, t, c * patch * patch, h // patch, w // patch)


def unpatchify(x: torch.Tensor, patch: int, channels: int = 1) -> torch.Tensor:
    b, t, _, gh, gw = x.shape
    x = x.reshape(b, t, channels, patch, patch, gh, gw)
    return x.permute(0, 1, 2, 5, 3, 6, 4).reshape(b, t, channels, gh * patch, gw * patch)


class PixelSpace:
    """Base mode: the predictor sees pixels in [0, 1], patch-reshaped; its pool holds uint8 frames."""

    mode: ClassVar[str] = BASE.name

    def __init__(self, patch: int, image: int, frame_channels: int = 1) -> None:
        if image % patch:
            raise ValueError(f"image size {image} is not divisible by patch {patch}")
        self.patch, self.image, self.frame_channels = patch, image, frame_channels
        self.channels = frame_channels * patch * patch  # what the predictor sees per grid cell
        self.grid = image // patch

    @classmethod
    def planned(cls, layout: SequenceLayout, patch: int, code_dim: int, downsample: int) -> ModelShape:
        """The shape a base cell's predictor will see, from params alone."""
        return cls(patch, layout.image, layout.channels).shape(layout.input_len)

    @property
    def decoding(self) -> str:
        """How predictions become frames, as eval.json records it."""
        return "pixels"

    @property
    def decodes_onto_inputs(self) -> bool:
        """Whether `decode` reads the input frames (pixels never do)."""
        return False

    def shape(self, input_len: int) -> ModelShape:
        return ModelShape(self.channels, self.grid, input_len, self.mode)

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 frames (B, T, C, H, W) -> model space."""
        return patchify(to_unit(frames), self.patch)

    def from_pool(self, batch: torch.Tensor) -> torch.Tensor:
        """A batch of the training pool (uint8 frames) -> model space."""
        return self.encode(batch)

    def decode(self, x: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
        """Model space -> frames in [0, 1]; `inputs` (the uint8 input frames) is not read."""
        return unpatchify(x, self.patch, self.frame_channels).clamp(0, 1)

    def state(self) -> SpaceState:
        """The checkpoint entries that rebuild this space."""
        return {"space": {"patch": self.patch, "image": self.image, "channels": self.frame_channels}}

    @classmethod
    def from_state(cls, state: SpaceState, device: torch.device, decode: str | None = None) -> PixelSpace:
        return cls(state["space"]["patch"], state["space"]["image"], state["space"]["channels"])


class LatentSpace:
    """Modular mode: the predictor sees codebook embeddings of the frozen VQ-VAE's codes.

    `decode="quantize"` snaps each predicted vector to its nearest code before the decoder (the
    decoder only ever saw code vectors in training); `decode="direct"` feeds the raw prediction;
    `decode="change"` decodes the snapped prediction as a change onto the last input frame,
    x_last + D(q(z)) - D(z_last): where the predicted codes are the last frame's, the output is
    exactly the last frame, so the tokenizer's blur cancels wherever nothing moves.
    `vqvae_sha256` is the identity of the checkpoint, which the latent shards must carry.
    """

    mode: ClassVar[str] = MODULAR.name

    def __init__(self, vqvae: VQVAE, image: int, decode: str = "quantize", vqvae_sha256: str = "") -> None:
        self.vqvae = vqvae.eval().requires_grad_(False)
        self.image = image
        self.channels = vqvae.cfg.code_dim
        self.frame_channels = vqvae.cfg.in_channels  # of the frames it encodes and decodes
        self.grid = vqvae.grid(image)
        if decode not in DECODINGS:
            raise ValueError(f"unknown modular decoding '{decode}': expected one of {', '.join(DECODINGS)}")
        self.decode_mode = decode
        self.vqvae_sha256 = vqvae_sha256

    @classmethod
    def planned(cls, layout: SequenceLayout, patch: int, code_dim: int, downsample: int) -> ModelShape:
        """The shape a modular cell's predictor will see, from params alone (the VQ-VAE's grid)."""
        return ModelShape(code_dim, layout.image // downsample, layout.input_len, cls.mode)

    @property
    def decoding(self) -> str:
        """How predictions become frames, as eval.json records it: one of `DECODINGS`."""
        return self.decode_mode

    @property
    def decodes_onto_inputs(self) -> bool:
        """Whether `decode` reads the input frames (the change decoding)."""
        return self.decode_mode == "change"

    def shape(self, input_len: int) -> ModelShape:
        return ModelShape(self.channels, self.grid, input_len, self.mode)

    def embed(self, codes: torch.Tensor) -> torch.Tensor:
        """Code indices (B, T, h, w) -> embeddings (B, T, D, h, w)."""
        return self.vqvae.codebook.lookup(codes.long())

    def from_pool(self, batch: torch.Tensor) -> torch.Tensor:
        """A batch of the training pool (code indices, precomputed by encode_latents) -> model space."""
        return self.embed(batch)

    @torch.no_grad()
    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        b, t = frames.shape[:2]
        codes = self.vqvae.encode(to_unit(frames).flatten(0, 1)).view(b, t, self.grid, self.grid)
        return self.embed(codes)

    def decode_raw(self, z: torch.Tensor, quantize: bool = False) -> torch.Tensor:
        """Vectors (B, T, D, h, w) -> the frozen decoder's frames (B, T, C, H, W), unclamped and
        differentiable (the `pixels` loss trains through it); `quantize` snaps each vector to its code."""
        b, t = z.shape[:2]
        flat = z.flatten(0, 1)
        if quantize:
            flat = self.vqvae.quantize(flat)
        frames = self.vqvae.decoder(flat)
        return frames.view(b, t, *frames.shape[1:])

    @torch.no_grad()
    def decode(self, z: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
        """Model space -> frames in [0, 1], by the space's decoding path; the change decoding reads
        the last of `inputs`, the uint8 input frames (B, T_in, C, H, W) the prediction continues."""
        frames = self.decode_raw(z, quantize=self.decode_mode != "direct")
        if self.decode_mode == "change":
            if inputs is None:
                raise ValueError("the change decoding needs the input frames")
            last = inputs[:, -1:]
            frames = to_unit(last) + frames - self.decode_raw(self.encode(last))
        return frames.clamp(0, 1)

    def state(self) -> SpaceState:
        """The checkpoint entries that rebuild this space: the whole frozen VQ-VAE travels with it."""
        return {
            "space": {"image": self.image, "decode": self.decode_mode},
            "vqvae": self.vqvae.state(),
            "vqvae_sha256": self.vqvae_sha256,
        }

    @classmethod
    def from_state(cls, state: SpaceState, device: torch.device, decode: str | None = None) -> LatentSpace:
        """`decode` overrides the saved decoding path (one of `DECODINGS`)."""
        vqvae = VQVAE.from_state(state["vqvae"]).to(device)
        return cls(vqvae, state["space"]["image"], decode or state["space"]["decode"], state.get("vqvae_sha256", ""))


Space = PixelSpace | LatentSpace
SPACES: dict[str, type[PixelSpace] | type[LatentSpace]] = {PixelSpace.mode: PixelSpace, LatentSpace.mode: LatentSpace}


def planned_shape(mode: str, layout: SequenceLayout, patch: int, code_dim: int, downsample: int) -> ModelShape:
    """The shape a cell's predictor will see, from params alone (the bench and the profile checks)."""
    return SPACES[mode].planned(layout, patch, code_dim, downsample)
