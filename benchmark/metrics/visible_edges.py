"""Hautiere et al.'s blind contrast-restoration descriptors e, r and sigma, as the IFSTTAR code.

"Blind contrast enhancement assessment by gradient ratioing at visible edges" (Image Anal.
Stereol. 27:87-95, 2008) compares a restored image with its input, both as MATLAB's rgb2gray
grey levels. Visible edges are segmented as the authors' MATLAB release does it
(functionContrastAt5PerCent.m, IFSTTAR 2011): 7 x 7 windows every 4 pixels (borders mirrored);
in each, the threshold s (Koehler's method) that maximises the mean Weber contrast
min(|s - a| / max(s, a), |s - b| / max(s, b)) over the pixel pairs (a, b) it separates; a
window whose best contrast exceeds 2.5% (a visible 5% edge) marks the pixels of the pairs
separated at that s. The pairs and their min/max maps follow the release's structuring elements
exactly (erosion and dilation shifted as MATLAB's 'full' results are cropped there).

- ``contrast_e``: rate of new visible edges (n_r - n_o) / n_o; NaN when the input has none.
- ``contrast_r``: geometric mean of the Sobel gradient ratios |grad R| / |grad I| at the restored
  image's visible edges (ratios that are 0, infinite or undefined are left out of the sum, the
  count is all visible edges, as the release does); NaN when the output has no visible edge.
- ``contrast_sigma``: percentage of the restored image's pixels that are black (the release
  counts grey 0 and 256, and 256 never occurs in 8-bit images: white is not counted).
- ``saturated``: this suite's variant of sigma: pixels black or white (0 or 255) in the output
  that were not in the input, in percent.

Tested against the release run under GNU Octave (tests/benchmark/metrics/test_visible_edges.py).
"""

from __future__ import annotations

import weakref

import torch
import torch.nn.functional as F
from torch import Tensor

from .no_reference import grey_levels, matlab_grey

WINDOW, STEP = 7, 4  # S and round(S / 2) of the release
VISIBLE = 256 * (5 / 2 / 100)  # M > 256 * percentage / 100, percentage = 5 / 2
CHUNK = 8192  # windows scored at once
SOBEL_X = ((1.0, 0.0, -1.0), (2.0, 0.0, -2.0), (1.0, 0.0, -1.0))


def _mirror(n: int, before: int, after: int, device: torch.device) -> Tensor:
    """Indices of a length-n axis padded 'symmetric' (edge repeated), as MATLAB's padarray."""
    k = torch.arange(-before, n + after, device=device) % (2 * n)
    return torch.where(k >= n, 2 * n - 1 - k, k)


def _pad(x: Tensor, top: int, bottom: int, left: int, right: int) -> Tensor:
    """(N, H, W) padded 'symmetric'."""
    rows = _mirror(x.shape[1], top, bottom, x.device)
    cols = _mirror(x.shape[2], left, right, x.device)
    return x[:, rows][:, :, cols]


def _pair_maps(grey: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The release's imerode/imdilate maps (N, H, W): horizontal-pair min/max, vertical min/max.

    With its 'full' results cropped at 3 + (1:n), pixel (a, b) holds: min(I[a-1, b-1],
    I[a-1, b-2]), max(I[a-1, b-1], I[a-1, b]), min(I[a-1, b-1], I[a-2, b-1]) and
    max(I[a-1, b-1], I[a, b-1]) (0-based, mirrored borders); read off GNU Octave's output.
    """
    h, w = grey.shape[1:]
    p = _pad(grey, 2, 0, 2, 0)  # p[a + 2, b + 2] = I[a, b]

    def at(da: int, db: int) -> Tensor:
        return p[:, 2 + da : 2 + da + h, 2 + db : 2 + db + w]

    centre = at(-1, -1)
    return (
        torch.minimum(centre, at(-1, -2)),
        torch.maximum(centre, at(-1, 0)),
        torch.minimum(centre, at(-2, -1)),
        torch.maximum(centre, at(0, -1)),
    )


def _windows(x: Tensor) -> Tensor:
    """(N, H, W) -> (N, ceil(H/4), ceil(W/4), 7, 7): the release's windows, mirrored past the edge."""
    return _pad(x, 0, WINDOW - 1, 0, WINDOW - 1).unfold(1, WINDOW, STEP).unfold(2, WINDOW, STEP)


def _weber(s: Tensor, value: Tensor) -> Tensor:
    return (s - value).abs() / torch.maximum(s, value)


def _window_edges(values: Tensor, maps: tuple[Tensor, ...]) -> Tensor:
    """(K, 7, 7) windows and their pair maps -> (K, 7, 7) visible-edge pixels of each window.

    Only the (pair, threshold) combinations where the pair is separated are enumerated (a pair
    counts at s when its map min <= s < its map max, s within the window's levels), and their
    contrasts summed per window and threshold: on real frames a few percent of all 72 x 256.
    """
    k = len(values)
    flat = values.flatten(1)
    low = flat.amin(dim=1).round().clamp(1, 256)
    high = flat.amax(dim=1).round().clamp(1, 256)
    gmin, gmax, hmin, hmax = (m[:, 1:, 1:].reshape(k, 36) for m in maps)
    centre = values[:, 1:, 1:].reshape(k, 36)
    neighbours = (values[:, 1:, :-1].reshape(k, 36), values[:, :-1, 1:].reshape(k, 36))
    width = int((high - low).max()) + 1
    totals, counts, spans = [], [], []
    for lo_map, hi_map, other in ((gmin, gmax, neighbours[0]), (hmin, hmax, neighbours[1])):
        first = torch.maximum(lo_map, low.view(-1, 1))  # thresholds separating each pair
        last = torch.minimum(hi_map - 1, high.view(-1, 1))
        n = (last - first + 1).clamp_min(0).long().flatten()
        pair = torch.repeat_interleave(torch.arange(n.numel(), device=n.device), n)
        start = torch.cumsum(n, 0) - n
        s = first.flatten()[pair] + (torch.arange(len(pair), device=n.device) - start[pair])
        contrast = torch.minimum(
            _weber(s, centre.flatten()[pair]), _weber(s, other.flatten()[pair])
        )
        window = pair // 36
        slot = window * width + (s - low[window]).long()
        totals.append(values.new_zeros(k * width).index_add_(0, slot, contrast))
        counts.append(torch.bincount(slot, minlength=k * width))
        spans.append((first, last))
    count = (counts[0] + counts[1]).view(k, width)
    total = (totals[0] + totals[1]).view(k, width)
    contrast = torch.where(count > 0, total / count.clamp_min(1), values.new_zeros(()))
    best = contrast.argmax(dim=1)  # the first threshold of greatest contrast, as MATLAB's max
    visible = 256 * contrast.gather(1, best.unsqueeze(1)).squeeze(1) > VISIBLE
    s0 = (low + best).view(-1, 1)
    h_at, v_at = ((first <= s0) & (s0 <= last) for first, last in spans)
    h_at, v_at = h_at.view(-1, 6, 6), v_at.view(-1, 6, 6)
    marks = torch.zeros_like(values, dtype=torch.bool)
    marks[:, 1:, 1:] |= h_at | v_at
    marks[:, 1:, :-1] |= h_at
    marks[:, :-1, 1:] |= v_at
    return marks & visible.view(-1, 1, 1)


def visible_edge_mask(grey: Tensor) -> Tensor:
    """The release's visible edges at 5% of (N, H, W) grey levels 0..255: bool (N, H, W)."""
    n, h, w = grey.shape
    maps = [_windows(m).reshape(-1, WINDOW, WINDOW) for m in _pair_maps(grey)]
    windows = _windows(grey)
    rows, cols = windows.shape[1:3]
    values = windows.reshape(-1, WINDOW, WINDOW)
    marks = torch.cat(
        [
            _window_edges(values[k : k + CHUNK], tuple(m[k : k + CHUNK] for m in maps))
            for k in range(0, len(values), CHUNK)
        ]
    )
    # OR the overlapping windows back onto the padded image (fold sums; > 0 is OR)
    columns = marks.view(n, rows * cols, WINDOW * WINDOW).transpose(1, 2).double()
    size = ((rows - 1) * STEP + WINDOW, (cols - 1) * STEP + WINDOW)
    folded = F.fold(columns, size, WINDOW, stride=STEP)[:, 0]
    return folded[:, :h, :w] > 0


def sobel_magnitude(grey: Tensor) -> Tensor:
    """|grad| of (N, H, W) with the release's Sobel kernels and mirrored borders (imfilter)."""
    kx = torch.tensor(SOBEL_X, dtype=grey.dtype, device=grey.device)
    kernels = torch.stack([kx, kx.t()]).unsqueeze(1)
    g = F.conv2d(_pad(grey, 1, 1, 1, 1).unsqueeze(1), kernels)
    return torch.sqrt((g * g).sum(dim=1))


#: the last few results, so e and r on the same batch find each image's edges once; keyed by a
#: weak reference (a freed tensor never matches) and the tensor's version (in-place changes)
_RECENT: list[tuple[weakref.ref, int, tuple[Tensor, Tensor]]] = []
_RECENT_SIZE = 4


def visible_edges(images: Tensor) -> tuple[Tensor, Tensor]:
    """(visible-edge mask, Sobel magnitude), both (N, H, W), of (N, 3, H, W) images in [0, 1]."""
    for ref, version, result in _RECENT:
        if ref() is images and images._version == version:
            return result
    grey = matlab_grey(images)
    result = (visible_edge_mask(grey), sobel_magnitude(grey))
    _RECENT.insert(0, (weakref.ref(images), images._version, result))
    del _RECENT[_RECENT_SIZE:]
    return result


def contrast_e(output: Tensor, hazy: Tensor) -> Tensor:
    """Rate of new visible edges (n_r - n_o) / n_o; NaN when the input has no visible edge."""
    restored = visible_edges(output)[0].flatten(1).sum(dim=1).double()
    original = visible_edges(hazy)[0].flatten(1).sum(dim=1).double()
    return torch.where(original > 0, (restored - original) / original.clamp_min(1), torch.nan)


def contrast_r(output: Tensor, hazy: Tensor) -> Tensor:
    """Geometric mean gradient ratio at the output's visible edges; NaN when it has none."""
    mask, restored = visible_edges(output)
    original = visible_edges(hazy)[1]
    with torch.no_grad():
        log_ratio = torch.log(restored / original)
    counted = mask & torch.isfinite(log_ratio)
    total = torch.where(counted, log_ratio, torch.zeros_like(log_ratio)).flatten(1).sum(dim=1)
    count = mask.flatten(1).sum(dim=1)
    return torch.where(count > 0, torch.exp(total / count.clamp_min(1)), torch.nan)


def contrast_sigma(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """Percentage of the output's pixels that are black (grey 0), the release's sigma."""
    return 100.0 * (matlab_grey(output) == 0).flatten(1).double().mean(dim=1)


def _saturated(images: Tensor) -> Tensor:
    grey = grey_levels(images)
    return (grey <= 0) | (grey >= 255)


def saturated(output: Tensor, hazy: Tensor) -> Tensor:
    """Percentage of pixels black or white in the output that were not in the input."""
    new = _saturated(output) & ~_saturated(hazy)
    return 100.0 * new.flatten(1).double().mean(dim=1)
