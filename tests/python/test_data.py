"""Shard reader, near-grey filter, batch sampler and hint sampling on a synthetic tar."""
import io
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from colorizer import data
from colorizer.color import srgb_to_lab


def _jpeg(rgb):
    b = io.BytesIO()
    Image.fromarray(rgb).save(b, format="JPEG", quality=95)
    return b.getvalue()


def _colour_image(h, w, seed):
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(x / 7.0 + seed), 128 + 90 * np.cos(y / 5.0),
                    np.full((h, w), 60.0 + 20 * seed)], -1)
    return np.clip(img + rng.randn(h, w, 3) * 3, 0, 255).astype(np.uint8)


@pytest.fixture
def shard(tmp_path):
    path = tmp_path / "places-00.tar"
    grey = np.repeat(_colour_image(128, 128, 0)[..., :1], 3, axis=2)
    with tarfile.open(path, "w") as tf:
        for name, img in [("abbey/0001.jpg", _colour_image(128, 128, 1)),
                          ("grey/0002.jpg", grey),
                          ("beach/0003.jpg", _colour_image(128, 128, 2)),
                          ("notes.txt", None)]:
            payload = b"not an image" if img is None else _jpeg(img)
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))
    return str(path)


def test_read_shard_skips_grey_and_non_images(shard):
    names, images = data.read_shard(shard)
    assert names == ["abbey/0001.jpg", "beach/0003.jpg"]
    assert all(im.shape == (128, 128, 3) and im.dtype == np.uint8 for im in images)
    names_all, _ = data.read_shard(shard, skip_grey=False)
    assert "grey/0002.jpg" in names_all


def test_near_grey_rule():
    flat = np.full((32, 32, 3), 120, np.uint8)
    assert data.is_near_grey(flat)
    small_red = flat.copy()
    small_red[:4, :4] = (220, 30, 30)   # a coloured corner: mean chroma low, p99 high
    lab = srgb_to_lab(small_red)
    c = np.hypot(lab[..., 1], lab[..., 2])
    assert c.mean() < 4 and np.percentile(c, 99) >= 7
    assert not data.is_near_grey(small_red)


def test_load_shards_pools_by_kind_and_cache(shard, tmp_path):
    logs = []
    pools = data.load_shards([shard], cache_dir=str(tmp_path / "cache"), log=logs.append)
    assert list(pools) == ["places"] and len(pools["places"]) == 2
    again = data.load_shards([shard], cache_dir=str(tmp_path / "cache"), log=logs.append)
    np.testing.assert_array_equal(again["places"][0], pools["places"][0])


def test_squares_of_wide_images():
    wide = np.zeros((64, 160, 3), np.uint8)
    wide[:, -64:] = 255
    sq = data.squares([wide])
    assert sq.shape == (3, 64, 64, 3)           # both ends + centre (160 > 1.6 * 64)
    assert sq[0].max() == 0 and sq[-1].min() == 255


def test_batches_are_lab_at_multiples_of_32():
    pools = {"places": [_colour_image(128, 128, s) for s in range(4)],
             "tinyimagenet": [_colour_image(64, 64, s) for s in range(4)]}
    s = data.BatchSampler(pools, working_size=128, crop_sizes=(64, 96, 128), seed=3)
    for _ in range(8):
        lab, S = s.batch(4)
        assert lab.shape == (4, 3, S, S) and S % 32 == 0
        assert lab[:, 0].min() >= 0 and lab[:, 0].max() <= 100.01
        assert lab[:, 1:].abs().max() < 128
    # seeded: same seed, same batches
    a = data.BatchSampler(pools, seed=5).batch(2)[0]
    b = data.BatchSampler(pools, seed=5).batch(2)[0]
    assert torch.equal(a, b)


def test_hints_are_ground_truth_means():
    rng = np.random.RandomState(0)
    ab = torch.randn(8, 2, 32, 32) * 20
    hab, mask = data.sample_hints(ab, rng, p_none=0.0, max_radius=0)
    assert mask.sum() > 0
    m = mask[:, 0] > 0
    # radius 0: each hint pixel carries exactly the true ab of that pixel
    np.testing.assert_allclose(hab.permute(0, 2, 3, 1)[m], ab.permute(0, 2, 3, 1)[m], atol=1e-5)
    assert torch.all(hab.permute(0, 2, 3, 1)[~m] == 0)
    none_ab, none_mask = data.sample_hints(ab, rng, p_none=1.0)
    assert none_mask.sum() == 0 and none_ab.abs().sum() == 0


def test_centre_square():
    im = np.zeros((100, 300, 3), np.uint8)
    im[:, 150] = 255
    out = data.centre_square(im, 64)
    assert out.shape == (64, 64, 3)
    assert out[:, 31:33].max() > 100           # the centre column stays in the middle


def _hints_by_loop(ab, rng, p_none=0.5, p_geom=0.25, max_hints=16, max_radius=2):
    """The definition of the sampled hints, one square at a time (painting order)."""
    B, _, H, W = ab.shape
    hint_ab = torch.zeros_like(ab)
    mask = torch.zeros((B, 1, H, W))
    for i in range(B):
        if rng.rand() < p_none:
            continue
        for _ in range(min(max_hints, rng.geometric(p_geom))):
            r, y, x = rng.randint(0, max_radius + 1), rng.randint(0, H), rng.randint(0, W)
            y0, y1, x0, x1 = max(0, y - r), min(H, y + r + 1), max(0, x - r), min(W, x + r + 1)
            hint_ab[i, :, y0:y1, x0:x1] = ab[i, :, y0:y1, x0:x1].mean(dim=(1, 2))[:, None, None]
            mask[i, :, y0:y1, x0:x1] = 1.0
    return hint_ab, mask


@pytest.mark.parametrize("shape,p_none", [((16, 2, 24, 20), 0.3), ((6, 2, 5, 3), 0.0)])
def test_batched_hints_equal_one_square_at_a_time(shape, p_none):
    # squares overlap and cross the border (small images, many hints): the later one wins
    ab = torch.randn(*shape) * 30
    want_ab, want_mask = _hints_by_loop(ab, np.random.RandomState(3), p_none=p_none, p_geom=0.1)
    got_ab, got_mask = data.sample_hints(ab, np.random.RandomState(3), p_none=p_none, p_geom=0.1)
    assert torch.equal(got_mask, want_mask) and want_mask.sum() > 0
    np.testing.assert_allclose(got_ab.numpy(), want_ab.numpy(), atol=1e-4)


def test_packed_zip_shard_reads_like_the_tar(shard, tmp_path):
    """scripts/pack_data.py's transport packing: the same images (lossless for JPEG members;
    the hires kind resized and WebP-coded), read by the same reader."""
    import os
    import shutil
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    d = tmp_path / "pack"
    (d / "train").mkdir(parents=True)
    (d / "val").mkdir()
    os.replace(shard, d / "train" / "places-00.tar")
    hires = np.zeros((200, 300, 3), np.uint8) + _colour_image(200, 300, 4)
    with tarfile.open(d / "train" / "hires-00.tar", "w") as tf:
        payload = _jpeg(hires)
        info = tarfile.TarInfo("coco/x.jpg")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    shutil.copy(d / "train" / "places-00.tar", d / "val" / "places-val.tar")
    out = tmp_path / "out"
    subprocess.run([sys.executable, os.path.join(root, "scripts", "pack_data.py"), "--data", str(d),
                    "--out", str(out), "--val-range", "0:2", "--jobs", "1"], check=True)
    names_t, ims_t = data.read_shard(str(d / "train" / "places-00.tar"))
    names_z, ims_z = data.read_shard(str(out / "all" / "places-00.zip"))
    assert len(ims_z) == len(ims_t) == 2
    for a, b in zip(ims_t, ims_z):
        assert np.array_equal(a, b)                      # jpegtran -optimize is lossless
    _, hz = data.read_shard(str(out / "all" / "hires-00.zip"))
    assert hz[0].shape == (160, 240, 3)                  # shorter side 160, aspect kept
    assert np.abs(hz[0].astype(int) - np.asarray(Image.fromarray(hires).resize(
        (240, 160), Image.LANCZOS)).astype(int)).mean() < 4
    _, vz = data.read_shard(str(out / "all" / "places-val.zip"), skip_grey=False)
    assert len(vz) == 2                                  # --val-range 0:2
    from colorizer.train import default_shards
    (tmp_path / "d2").mkdir()
    os.symlink(out / "all", tmp_path / "d2" / "train")
    assert [os.path.basename(p) for p in default_shards(str(tmp_path / "d2"))] == [
        "hires-00.zip", "places-00.zip", "places-val.zip"]


def test_class_labels_from_member_folders(shard, tmp_path):
    pools, names = data.load_shards([shard], cache_dir=str(tmp_path / "cache"),
                                    log=lambda m: None, with_names=True)
    assert names == {"places": ["abbey/0001.jpg", "beach/0003.jpg"]}
    # from the cache (names kept beside the images): the same
    again = data.load_shards([shard], cache_dir=str(tmp_path / "cache"), log=lambda m: None,
                             with_names=True)
    assert again[1] == names and len(again[0]["places"]) == 2
    labels, classes = data.class_labels(
        {"places": ["b/1.jpg", "a/2.jpg", "b/3.jpg"], "tinyimagenet": ["n01/x.JPEG"],
         "hires": ["coco128/y.jpg"]})
    assert classes == ["places:a", "places:b", "tinyimagenet:n01"]
    assert labels["places"].tolist() == [1, 0, 1]
    assert labels["tinyimagenet"].tolist() == [2] and labels["hires"].tolist() == [-1]


def test_batches_carry_their_class_labels():
    pools = {"places": [_colour_image(64, 64, s) for s in range(6)],
             "hires": [np.zeros((64, 160, 3), np.uint8) + 90]}
    labels = {"places": torch.arange(6) * 10, "hires": torch.tensor([7])}
    s = data.BatchSampler(pools, working_size=64, crop_sizes=(64,), seed=1, labels=labels,
                          scale_range=(1.0, 1.0))
    assert s.labels["hires"].tolist() == [-1, -1, -1]   # 3 windows of one image: no labels
    plain = data.BatchSampler(pools, working_size=64, crop_sizes=(64,), seed=1,
                              scale_range=(1.0, 1.0))
    labelled = 0
    for _ in range(6):
        lab, S, y = s.batch(3, with_labels=True)
        want, _ = plain.batch(3)                       # labels do not change the draws
        assert torch.equal(lab, want)
        assert bool((y >= 0).all()) or bool((y == -1).all())   # one pool per batch
        if (y >= 0).any():
            labelled += 1
            # a label is its image's: flips and crops aside, L of the whole 64-px window
            for j in range(3):
                i = int(y[j]) // 10
                ref = srgb_to_lab(pools["places"][i])[..., 0]
                got = lab[j, 0].numpy()
                assert min(np.abs(got - ref).mean(), np.abs(got[:, ::-1] - ref).mean()) < 1.0
    assert labelled > 0
