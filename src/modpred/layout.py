"""The shape of a dataset's sequences, the one record every file header, shard, model and card carries.

It sits on the ground floor (no package import) so that the data, the models and the records
can all name it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SequenceLayout:
    """What every sequence of a dataset is: written in each sequences file's and shard's header by
    `write_layout`, read back by `read_layout`; the planned shapes of the bench and the profile
    checks start from it."""

    input_len: int  # frames given to a predictor
    seq_len: int  # frames of a sequence: the inputs, then the frames to predict
    image: int  # height and width of a frame
    channels: int = 1  # 1: gray, 3: colour

    @property
    def future(self) -> int:
        return self.seq_len - self.input_len

    @property
    def frame_shape(self) -> tuple[int, int, int, int]:
        """(T, C, H, W) of one sequence."""
        return (self.seq_len, self.channels, self.image, self.image)
