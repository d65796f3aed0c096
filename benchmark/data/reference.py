"""`--reference-frame REF`: the smoke-free frame each input is scored against (aligned metrics).

On video REF is a frame index into each video (each frame's reference is frame REF of its own
video); on a folder of images it is one image id (every image's reference). The reference is
the unprocessed input frame, decoded from the data set; its own aligned scores are NaN (a frame
is not scored against itself).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import DatasetError
from .loaded import to_float
from .video import iter_frames


def reference_id(dataset: object, image_id: str) -> str:
    """The id of the reference frame of `image_id` (video: frame REF of its own video)."""
    ref = dataset.reference_frame  # type: ignore[attr-defined]
    if hasattr(dataset, "frame_of"):  # a video data set: frame ids are STEM_NNNNNN
        video, _ = dataset.frame_of(image_id)
        return f"{video.stem}_{int(ref):06d}"
    return str(ref)


def reference_image(dataset: object, image_id: str) -> np.ndarray:
    """The reference frame of `image_id` as RGB uint8, decoded once per reference and cached."""
    name = reference_id(dataset, image_id)
    cache: dict[str, np.ndarray] = dataset.__dict__.setdefault("_reference_cache", {})
    if name not in cache:
        if len(cache) >= 2:  # frames come video by video: keep the current and the last one
            cache.pop(next(iter(cache)))
        cache[name] = _decode_reference(dataset, image_id, name)
    return cache[name]


def _decode_reference(dataset: object, image_id: str, name: str) -> np.ndarray:
    if hasattr(dataset, "frame_of"):
        video, _ = dataset.frame_of(image_id)
        index = int(dataset.reference_frame)  # type: ignore[attr-defined]
        for found, frame in iter_frames(video, 1, index + 1):
            if found == index:
                return frame
        raise DatasetError(
            f"--reference-frame {index}: {video.name} has no frame {index} (it ends earlier)"
        )
    for _found, image in dataset.iter_inputs([name]):  # type: ignore[attr-defined]
        if isinstance(image, DatasetError):
            raise image
        return image
    raise DatasetError(f"--reference-frame {name}: no such image")


def reference_tensors(
    split: object, indices: Sequence[int], device: torch.device, size: tuple[int, int]
) -> tuple[torch.Tensor, np.ndarray]:
    """The reference frame of each image as float32 (N,3,H,W), and which images are their own;
    each must be of the batch's (H, W) `size`."""
    dataset = getattr(split, "dataset", None)
    ids: list[str] = split.ids  # type: ignore[attr-defined]
    if dataset is None or getattr(dataset, "reference_frame", None) is None:
        raise DatasetError("aligned metrics need --reference-frame REF, which was not given")
    names = [reference_id(dataset, ids[i]) for i in indices]
    images = [reference_image(dataset, ids[i]) for i in indices]
    for name, i, image in zip(names, indices, images, strict=True):
        if tuple(size) != image.shape[:2]:
            raise DatasetError(
                f"the reference frame {name} is {image.shape[1]}x{image.shape[0]}, "
                f"{ids[i]} {size[1]}x{size[0]}: aligned scores need frames of one size"
            )
    own = np.asarray([name == ids[i] for name, i in zip(names, indices, strict=True)])
    return to_float(np.stack(images), device), own
