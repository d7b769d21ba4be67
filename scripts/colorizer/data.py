"""Training / validation data: tar shards of JPEGs decoded once into memory (uint8 RGB),
multi-scale augmented batches in CIELAB, and sampled user hints.

Pools: every shard's images are grouped by source kind (the shard file name's prefix before
'-': places, tinyimagenet, hires, ...). A training sample is a square window of one image
(the whole 128-px places / 64-px tinyimagenet image; a random square of side min(h, w) of a
hires image), rescaled so its side is working_size * u (u random per batch, multi-scale),
randomly cropped to the batch's crop size and flipped. So the network sees whole images at
about the working size, which is what inference gives it.
"""
import io
import os
import pickle
import tarfile
import zipfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .color import LINEAR_LUT, linear_to_lab_torch, srgb_to_lab


def is_near_grey(rgb, mean_limit=4.0, p99_limit=7.0):
    """The data pack's filter: mean chroma < 4 and 99th-percentile chroma < 7 (CIELAB),
    evaluated on a thumbnail of at most 64 px for speed."""
    h, w = rgb.shape[:2]
    step = max(1, max(h, w) // 64)
    lab = srgb_to_lab(rgb[::step, ::step])
    c = np.hypot(lab[..., 1], lab[..., 2])
    return c.mean() < mean_limit and np.percentile(c, 99) < p99_limit


def shard_members(path):
    """Yields (name, bytes) of the files in a shard: a tar (the data pack) or a zip (the
    compact transport packing of scripts/pack_data.py), in stored order."""
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.filename != "index.tsv":
                    yield info.filename, zf.read(info)
        return
    with tarfile.open(path, "r") as tf:
        for m in tf:
            if m.isfile():
                yield m.name, tf.extractfile(m).read()


def val_shard(data_dir, name):
    """The validation shard `name` of a data folder: val/<name>.tar (the data pack) or
    val/<name>.zip (scripts/pack_data.py)."""
    for ext in (".tar", ".zip"):
        p = os.path.join(data_dir, "val", name + ext)
        if os.path.exists(p):
            return p
    raise FileNotFoundError("no %s.tar or %s.zip in %s" % (name, name, os.path.join(data_dir, "val")))


def read_shard(path, skip_grey=True, limit=None):
    """Decodes the image members (JPEG, or WebP in packed shards) of a shard (.tar or .zip).
    limit: at most this many images (None: all; 0: none).
    Returns (names, list of uint8 [H, W, 3])."""
    names, images = [], []
    for name, data in shard_members(path):
        if limit is not None and len(images) >= limit:
            break
        try:
            img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        except Exception:
            continue
        if min(img.shape[:2]) < 32 or (skip_grey and is_near_grey(img)):
            continue
        names.append(name)
        images.append(img)
    return names, images


def pool_kind(path):
    return os.path.basename(path).split("-")[0].split(".")[0]


def _read_for_pool(args):
    path, skip_grey, limit = args
    return read_shard(path, skip_grey=skip_grey, limit=limit)


def _dump(obj, path):
    with open(path + ".tmp", "wb") as f:
        pickle.dump(obj, f, protocol=4)
    os.replace(path + ".tmp", path)


def load_shards(paths, cache_dir=None, skip_grey=True, limit=None, log=print, workers=1,
                with_names=False):
    """{kind: list of uint8 images} for the given shard paths; decoded images are cached as
    pickles in cache_dir (if given) keyed by shard name and size, for fast restarts.
    workers > 1 decodes uncached shards in parallel processes (one shard per process).
    with_names: returns (pools, {kind: member names, one per image}); the names are cached
    beside the images (a cache from before names were kept decodes its shard once more)."""
    keys, found = [], {}
    for p in paths:
        key = None
        if cache_dir:
            os.makedirs(cache_dir, exist_ok=True)
            key = os.path.join(cache_dir, "%s-%d-%s-%s.pkl" % (
                os.path.basename(p), os.path.getsize(p), int(skip_grey), limit))
            if os.path.exists(key) and (not with_names or os.path.exists(key + ".names")):
                with open(key, "rb") as f:
                    images = pickle.load(f)
                names = None
                if with_names:
                    with open(key + ".names", "rb") as f:
                        names = pickle.load(f)
                found[p] = (names, images)
        keys.append(key)
    todo = [p for p in paths if p not in found]
    if todo and workers > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(min(workers, len(todo))) as pool:
            for p, got in zip(todo, pool.map(_read_for_pool,
                                             [(p, skip_grey, limit) for p in todo])):
                found[p] = got
    pools, pool_names = {}, {}
    for p, key in zip(paths, keys):
        got = found.get(p)
        if got is None:
            got = read_shard(p, skip_grey=skip_grey, limit=limit)
        names, images = got
        if key and not os.path.exists(key):
            _dump(images, key)
        if key and names is not None and not os.path.exists(key + ".names"):
            _dump(names, key + ".names")
        pools.setdefault(pool_kind(p), []).extend(images)
        if with_names:
            pool_names.setdefault(pool_kind(p), []).extend(names)
        log("loaded %s: %d images" % (os.path.basename(p), len(images)))
    return (pools, pool_names) if with_names else pools


def class_labels(pool_names, kinds=("places", "tinyimagenet")):
    """Labels for the auxiliary classifier from member names: in the pools named by kinds a
    member's folder is its class (places scene category, Tiny ImageNet wnid); classes are
    numbered over all those pools in sorted order; other pools (hires: mixed sources) get -1.
    Returns ({kind: int64 tensor, one label per image}, class names)."""
    classes = sorted({(k, n.split("/")[0]) for k in kinds for n in pool_names.get(k, ())
                      if "/" in n})
    index = {c: i for i, c in enumerate(classes)}
    labels = {k: torch.tensor([index.get((k, n.split("/")[0]), -1) if "/" in n else -1
                               for n in names], dtype=torch.long)
              for k, names in pool_names.items()}
    return labels, ["%s:%s" % c for c in classes]


def squares(images, side=None):
    """One uint8 tensor [N, s, s, 3] of square windows: an image whose sides differ gives
    windows of side min(h, w) at both ends of its longer side (and the centre when the
    longer side exceeds 1.6x the shorter), all resized (bilinear) to a common side s."""
    wins = []
    for im in images:
        h, w = im.shape[:2]
        s = min(h, w)
        L = max(h, w)
        starts = [0] if L == s else ([0, (L - s) // 2, L - s] if L > 1.6 * s else [0, L - s])
        for o in starts:
            wins.append(im[o:o + s, :] if h > w else im[:, o:o + s])
    if side is None:
        side = int(np.median([x.shape[0] for x in wins]))
    out = np.empty((len(wins), side, side, 3), np.uint8)
    for i, x in enumerate(wins):
        out[i] = x if x.shape[0] == side else np.asarray(
            Image.fromarray(np.ascontiguousarray(x)).resize((side, side), Image.BILINEAR))
    return torch.from_numpy(out)


class BatchSampler:
    """Random multi-scale batches. Each batch: one pool (chosen with probability proportional
    to pool size times its weight), one rescale factor u in [scale_min, scale_max] (the window
    becomes working_size * u pixels), one crop size from crop_sizes (multiples of 32, clipped
    to the rescaled size), random crop position and horizontal flip per sample.
    Everything after the index lookup runs on `device` (the GPU config keeps pools there)."""

    def __init__(self, pools, working_size=128, crop_sizes=(64, 96, 128),
                 crop_probs=None, scale_range=(0.75, 1.25), pool_weights=None, seed=0,
                 device="cpu", labels=None):
        """labels: optional {kind: int64 tensor, one class per image (-1 = none)}; a pool
        whose images are not all square (several windows per image) gets -1 throughout."""
        self.pools = {k: (v if torch.is_tensor(v) else squares(v)).to(device)
                      for k, v in pools.items() if len(v)}
        self.labels = {}
        for k, v in self.pools.items():
            lab = (labels or {}).get(k)
            ok = lab is not None and len(lab) == len(v)
            self.labels[k] = (lab if ok else torch.full((len(v),), -1, dtype=torch.long)).to(device)
        self.kinds = sorted(self.pools)
        w = np.array([len(self.pools[k]) * (pool_weights or {}).get(k, 1.0)
                      for k in self.kinds], np.float64)
        self.pool_p = w / w.sum()
        self.ws = working_size
        self.crop_sizes = list(crop_sizes)
        p = np.ones(len(crop_sizes)) if crop_probs is None else np.asarray(crop_probs, float)
        self.crop_p = p / p.sum()
        self.scale_range = scale_range
        self.rng = np.random.RandomState(seed)
        self.device = device

    def state(self):
        return self.rng.get_state()

    def set_state(self, s):
        self.rng.set_state(s)

    def batch(self, n, with_labels=False):
        """Returns (lab [n, 3, S, S] float32 on device, crop size S), and with_labels the
        class of each sample (int64 [n], -1 = none) as a third item."""
        kind = self.kinds[self.rng.choice(len(self.kinds), p=self.pool_p)]
        pool = self.pools[kind]
        idx = torch.from_numpy(self.rng.randint(0, len(pool), size=n)).to(self.device)
        # to linear light by table lookup; rescaling in linear light is also the right thing
        lut = LINEAR_LUT.to(self.device)
        x = lut[pool[idx].long()].permute(0, 3, 1, 2)
        u = self.rng.uniform(*self.scale_range)
        R = max(32, int(round(self.ws * u)))
        if R != x.shape[-1]:
            x = F.interpolate(x, size=(R, R), mode="bilinear", align_corners=False,
                              antialias=R < x.shape[-1]).clamp(0, 1)
        S = int(self.crop_sizes[self.rng.choice(len(self.crop_sizes), p=self.crop_p)])
        S = max(32, min(S, R // 32 * 32))
        ys = self.rng.randint(0, R - S + 1, size=n)
        xs = self.rng.randint(0, R - S + 1, size=n)
        flips = self.rng.rand(n) < 0.5
        crops = []
        for j in range(n):
            c = x[j, :, ys[j]:ys[j] + S, xs[j]:xs[j] + S]
            crops.append(c.flip(-1) if flips[j] else c)
        lab = linear_to_lab_torch(torch.stack(crops))
        return (lab, S, self.labels[kind][idx]) if with_labels else (lab, S)


def sample_hints(ab, rng, p_none=0.5, p_geom=0.25, max_hints=16, max_radius=2):
    """User hints sampled from the ground truth, as the model's hint inputs.
    ab: [B, 2, H, W] true a*b*. Per image: with probability p_none no hints (automatic);
    otherwise n ~ Geometric(p_geom) (capped) hints at uniform positions, each a square of
    radius 0..max_radius filled with the mean true ab inside it (render_hints in the core
    draws radius-1 squares); where squares overlap the later one wins.
    Returns (hint_ab [B, 2, H, W], hint_mask [B, 1, H, W]).

    The random draws happen here on the host, one image after the other; the means and the
    painting are a few batched tensor operations (a GPU batch costs no per-hint launches)."""
    B, _, H, W = ab.shape
    draws = []  # (image, y, x, radius) in painting order
    for i in range(B):
        if rng.rand() < p_none:
            continue
        n = min(max_hints, rng.geometric(p_geom))
        for _ in range(n):
            r = rng.randint(0, max_radius + 1)
            y = rng.randint(0, H)
            x = rng.randint(0, W)
            draws.append((i, y, x, r))
    if not draws:
        return torch.zeros_like(ab), torch.zeros((B, 1, H, W), dtype=ab.dtype, device=ab.device)
    dev = ab.device
    d = torch.tensor(draws, dtype=torch.long, device=dev)
    b, y, x, r = d[:, 0], d[:, 1], d[:, 2], d[:, 3]
    # every pixel of every square (clipped to the image), tagged with its square's order
    o = torch.arange(-max_radius, max_radius + 1, device=dev)
    yy = (y[:, None, None] + o[None, :, None]).expand(-1, len(o), len(o))
    xx = (x[:, None, None] + o[None, None, :]).expand(-1, len(o), len(o))
    ok = (o[None, :, None].abs() <= r[:, None, None]) & (o[None, None, :].abs() <= r[:, None, None])
    ok &= (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
    bb = b[:, None, None].expand_as(yy)
    # each square's fill: the mean true ab over its pixels
    vals = ab[bb, :, yy.clamp(0, H - 1), xx.clamp(0, W - 1)]  # [K, 2R+1, 2R+1, 2]
    vals = vals * ok[..., None].to(ab.dtype)
    means = vals.sum(dim=(1, 2)) / ok.sum(dim=(1, 2))[:, None].to(ab.dtype)
    # where squares overlap, the highest order (the last painted) wins
    order = torch.arange(len(draws), device=dev)[:, None, None].expand_as(yy)
    pix = (bb * H + yy) * W + xx
    owner = torch.full((B * H * W,), -1, dtype=torch.long, device=dev)
    owner.scatter_reduce_(0, pix[ok], order[ok], reduce="amax", include_self=True)
    hit = owner >= 0
    flat = torch.zeros((B * H * W, 2), dtype=ab.dtype, device=dev)
    flat[hit] = means[owner[hit]]
    hint_ab = flat.reshape(B, H, W, 2).permute(0, 3, 1, 2).contiguous()
    mask = hit.to(ab.dtype).reshape(B, 1, H, W)
    return hint_ab, mask


def centre_square(rgb, side):
    """Resize so the shorter side is `side` (bicubic), then the centre side x side crop."""
    h, w = rgb.shape[:2]
    s = side / min(h, w)
    nh, nw = max(side, int(round(h * s))), max(side, int(round(w * s)))
    if (nh, nw) != (h, w):
        rgb = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BICUBIC))
    y, x = (nh - side) // 2, (nw - side) // 2
    return rgb[y:y + side, x:x + side]
