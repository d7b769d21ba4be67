"""Evaluation on the validation shards at 256 x 256 (centre crop), as the product runs:
L* of the crop -> area-resampled to the working size -> model -> ab (H/2) -> bilinear up to
256 -> combined with the crop's own full-resolution L* -> sRGB (clamped) -> metrics vs the
true crop: PSNR, SSIM, colourfulness (CF) and its difference to the truth, mean CIEDE2000,
wrong-colour area in % of pixels (metrics.wrong_colour_area)."""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import tone as tone_
from .color import ciede2000, srgb_to_lab
from .data import centre_square, read_shard, val_shard
from .metrics import colourfulness, compose, psnr, ssim, wrong_colour_area


def load_eval_set(data_dir, n_places=None, n_bsds=None, side=256, skip_places=0, skip_bsds=0,
                  skip_grey=False, with_names=False):
    """The first n images of each val shard after skipping the first skip_* (so settings can
    be chosen on one part and reported on another). skip_grey: leave out near-grey images
    (the training data's filter) before counting. with_names: see load_shard_set."""
    parts = [(val_shard(data_dir, name + "-val"), n, skip, name)
             for name, n, skip in (("places", n_places, skip_places), ("bsds", n_bsds, skip_bsds))
             if n != 0]  # 0 = none of that source: its shard need not exist
    return load_shard_set(parts, side=side, skip_grey=skip_grey, with_names=with_names)


def add_eval_set_args(ap, places=300, skip_places=60, bsds=80, skip_bsds=20, working_size=128):
    """The image-set options of the scripts that score networks on validation images (--data,
    --places, --skip-places, --bsds, --skip-bsds, --working-size); the defaults given are the
    script's (these: the held-out set of the model card). Read them with load_eval_set."""
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--places", type=int, default=places, help="places-val images")
    ap.add_argument("--skip-places", type=int, default=skip_places)
    ap.add_argument("--bsds", type=int, default=bsds, help="bsds-val images")
    ap.add_argument("--skip-bsds", type=int, default=skip_bsds)
    ap.add_argument("--working-size", type=int, default=working_size)


def load_shard_set(parts, side=256, skip_grey=False, with_names=False):
    """Images of any shards (.tar or .zip), e.g. training shards to compare with validation:
    parts = [(path, n or None, skip, source name)]; the images skip .. skip + n - 1 of each
    (after the near-grey filter when skip_grey), as side x side centre crops.
    Returns (uint8 [N, side, side, 3], the source name of each image), and with_names also
    each image's member name in its shard (e.g. "abbey/00000123.jpg")."""
    rgb, src, members = [], [], []
    for path, n, skip, name in parts:
        names, ims = read_shard(path, skip_grey=skip_grey, limit=None if n is None else n + skip)
        rgb += [centre_square(im, side) for im in ims[skip:]]
        src += [name] * len(ims[skip:])
        members += names[skip:]
    if not rgb:
        raise ValueError("no images in %s" % ", ".join(p[0] for p in parts))
    return (np.stack(rgb), src, members) if with_names else (np.stack(rgb), src)


def working_L(L, ws, tone="as-is"):
    """L [N, H, W] -> [N, 1, h, w] at the working size (area resampling, multiples of 32).
    tone "stretch": then each picture through its tone map (colorizer/tone.py), as the
    product's prepare does by default; "as-is": not (what the network was trained on)."""
    if tone not in ("as-is", "stretch"):
        raise ValueError("tone is 'as-is' or 'stretch', not %r" % (tone,))
    t = torch.from_numpy(L.astype(np.float32))[:, None]
    H, W = L.shape[1:]
    s = ws / max(H, W)
    h = max(32, int(round(H * min(1.0, s) / 32)) * 32)
    w = max(32, int(round(W * min(1.0, s) / 32)) * 32)
    if (h, w) != (H, W):
        t = F.interpolate(t, size=(h, w), mode="area") if H % h == 0 and W % w == 0 else \
            F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    if tone == "stretch":
        t = torch.from_numpy(np.stack([tone_.stretch(x) for x in t[:, 0].numpy()]))[:, None]
    return t


@torch.no_grad()
def predict(fn, L, ws, batch=16, tone="as-is"):
    """fn(L, hint_ab, hint_mask) -> ab; returns ab [N, 2, h, w] for automatic colorization
    (tone: see working_L)."""
    out = []
    for i in range(0, len(L), batch):
        Lw = working_L(L[i:i + batch], ws, tone)
        z = torch.zeros(Lw.shape[0], 2, *Lw.shape[2:])
        out.append(fn(Lw, z, z[:, :1]).float())
    return torch.cat(out)


class Truth:
    def __init__(self, rgb):
        self.rgb = rgb
        self.lab = srgb_to_lab(rgb)
        self.cf = np.array([colourfulness(x) for x in rgb])


def score(truth, ab, idx=None, with_ssim=True):
    """Per-image metrics of predictions ab [N, 2, h, w] (None = greyscale); with_ssim=False
    leaves the SSIM column NaN (it is the slow one: decoding sweeps skip it)."""
    idx = range(len(truth.rgb)) if idx is None else idx
    rows = []
    for i in idx:
        L = truth.lab[i, ..., 0]
        a = torch.zeros(2, *L.shape) if ab is None else ab[i]
        out = compose(L, a)
        lab = srgb_to_lab(out)
        rows.append((psnr(out, truth.rgb[i]),
                     ssim(out, truth.rgb[i]) if with_ssim else float("nan"), colourfulness(out),
                     truth.cf[i], float(ciede2000(lab, truth.lab[i]).mean()),
                     100.0 * wrong_colour_area(lab, truth.lab[i])))
    return np.array(rows)


def summarize(rows):
    return dict(psnr=rows[:, 0].mean(), ssim=rows[:, 1].mean(), cf=rows[:, 2].mean(),
                cf_truth=rows[:, 3].mean(), cf_ratio=rows[:, 2].mean() / rows[:, 3].mean(),
                dcf_abs=np.abs(rows[:, 2] - rows[:, 3]).mean(),
                dcf=(rows[:, 2] - rows[:, 3]).mean(), de2000=rows[:, 4].mean(),
                wrong_pct=rows[:, 5].mean(), n=len(rows))


def contact_sheet(path, truth, ab, idx, tile=160, cols=2, quality=82):
    """Rows of (grey | ours | truth) tiles for the images idx; small JPEG. ab: predictions
    [N, 2, h, w] for all N images, or a list of them (grey | each in turn | truth)."""
    preds = list(ab) if isinstance(ab, (list, tuple)) else [ab]
    width = (len(preds) + 2) * tile
    rows = (len(idx) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * width + (cols - 1) * 8, rows * tile), (255, 255, 255))
    for k, i in enumerate(idx):
        L = truth.lab[i, ..., 0]
        tiles = [compose(L, torch.zeros(2, *L.shape))] + [compose(L, p[i]) for p in preds] + \
            [truth.rgb[i]]
        r, c = divmod(k, cols)
        for j, im in enumerate(tiles):
            sheet.paste(Image.fromarray(im).resize((tile, tile), Image.BICUBIC),
                        (c * (width + 8) + j * tile, r * tile))
    sheet.save(path, quality=quality, optimize=True)
